import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, CreateStmt, CreateTableAsStmt, CreateTrigStmt, DropStmt, IndexStmt, LockStmt, Node, RangeVar, RenameStmt, SelectStmt } from "libpg-query";
import { as, functionsIn, names, quote, tableKey, tableLabel, unwrap } from "./ast.ts";
import { recordBackfill } from "./backfill-rules.ts";
import { objectRules } from "./object-rules.ts";
import type { SqlStatement } from "./parser.ts";
import type { MigrationState, RawFinding } from "./state.ts";
import { transactionRules } from "./transaction-rules.ts";
import { volatilityOf } from "./volatility.ts";

/**
 * The rules that judge one statement at a time. Statements on a table created earlier in the
 * same migration are exempt from them: nobody else can see that table until the migration
 * commits, so its locks block no one. Tables live here; other objects (databases, domains,
 * enums, schemas, maintenance commands) in object-rules.ts, transactions and timeouts in
 * transaction-rules.ts.
 */

const SERIAL_TYPES = new Set(["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]);

const key = (table: string, name: string) => `${table}\u0000${name}`;

/** Checks statement number `index` of its migration against the rules, then records what it did. */
export function checkStatement(statement: SqlStatement, state: MigrationState, index = 0): RawFinding[] {
  recordBackfill(statement, index, state);
  return [...tableRules(statement, state), ...objectRules(statement, state), ...transactionRules(statement, state)];
}

function tableRules(statement: SqlStatement, state: MigrationState): RawFinding[] {
  const [kind, body] = unwrap(statement.ast);
  const at = statement.line;
  switch (kind) {
    case "CreateStmt":
      return createTable(body as CreateStmt, state);
    case "CreateTableAsStmt":
      return created((body as CreateTableAsStmt).into?.rel, state);
    case "SelectStmt":
      return created((body as SelectStmt).intoClause?.rel, state);
    case "IndexStmt":
      return createIndex(body as IndexStmt, state, at);
    case "DropStmt":
      return drop(body as DropStmt, state);
    case "RenameStmt":
      return rename(body as RenameStmt, state, at);
    case "AlterTableStmt":
      return alterTable(body as AlterTableStmt, state, at);
    case "CreateTrigStmt": {
      const relation = (body as CreateTrigStmt).relation;
      // SHARE ROW EXCLUSIVE until the migration commits.
      lock(relation, `CREATE TRIGGER on ${tableLabel(relation)}`, at, state);
      return [];
    }
    case "LockStmt": {
      const stmt = body as LockStmt;
      // 5 is SHARE: from it up, the lock blocks writes.
      if ((stmt.mode ?? 8) >= 5) for (const r of stmt.relations ?? []) lock(as<RangeVar>(r, "RangeVar"), `LOCK TABLE ${tableLabel(as<RangeVar>(r, "RangeVar"))}`, at, state);
      return [];
    }
    default:
      return [];
  }
}

/** Records that this migration holds a write-blocking lock on an existing table until it commits. */
export function lock(relation: RangeVar | undefined, what: string, line: number, state: MigrationState) {
  const table = tableKey(relation);
  if (!table || state.createdTables.has(table) || state.lockedTables.has(table)) return;
  state.lockedTables.set(table, { what, line });
}

const isNew = (relation: RangeVar | undefined, state: MigrationState) => state.createdTables.has(tableKey(relation));

function created(relation: RangeVar | undefined, state: MigrationState): RawFinding[] {
  if (relation) state.createdTables.add(tableKey(relation));
  return [];
}

function createTable(stmt: CreateStmt, state: MigrationState): RawFinding[] {
  // IF NOT EXISTS may leave an older table in place: what follows still runs on live data.
  if (!stmt.if_not_exists) created(stmt.relation, state);
  return [];
}

function createIndex(stmt: IndexStmt, state: MigrationState, at: number): RawFinding[] {
  const table = tableKey(stmt.relation);
  if (stmt.idxname) state.createdIndexes.set(stmt.idxname, table);
  if (stmt.concurrent || isNew(stmt.relation, state)) return [];
  lock(stmt.relation, `CREATE INDEX on ${tableLabel(stmt.relation)}`, at, state);
  const what = `CREATE ${stmt.unique ? "UNIQUE " : ""}INDEX${stmt.idxname ? ` ${quote(stmt.idxname)}` : ""}`;
  return [{ rule: "create-index-without-concurrently", message: `${what} on existing table ${tableLabel(stmt.relation)} without CONCURRENTLY blocks its writes while the index builds.` }];
}

function drop(stmt: DropStmt, state: MigrationState): RawFinding[] {
  const findings: RawFinding[] = [];
  for (const object of stmt.objects ?? []) {
    const parts = names(as<{ items?: Node[] }>(object, "List")?.items);
    const name = parts[parts.length - 1];
    if (!name) continue;
    const label = parts.map(quote).join(".");
    if (stmt.removeType === "OBJECT_INDEX" && !stmt.concurrent && !state.createdIndexes.has(name)) {
      findings.push({ rule: "drop-index-without-concurrently", message: `DROP INDEX ${label} without CONCURRENTLY locks its table against reads and writes.` });
    }
    if (stmt.removeType === "OBJECT_TABLE" && !state.createdTables.has(name)) {
      findings.push({ rule: "drop-table", message: `DROP TABLE ${label} removes a table (and its data) that running code may still use.` });
    }
  }
  return findings;
}

function rename(stmt: RenameStmt, state: MigrationState, at: number): RawFinding[] {
  const fresh = isNew(stmt.relation, state);
  if (stmt.renameType === "OBJECT_TABLE" || stmt.renameType === "OBJECT_COLUMN") lock(stmt.relation, `the rename in ${tableLabel(stmt.relation)}`, at, state);
  if (stmt.renameType === "OBJECT_TABLE") {
    if (fresh) {
      state.createdTables.add(stmt.newname ?? "");
      return [];
    }
    return [{ rule: "rename-table", message: `Renaming table ${tableLabel(stmt.relation)} to ${quote(stmt.newname ?? "")} breaks running code that uses the old name.` }];
  }
  if (stmt.renameType === "OBJECT_COLUMN" && stmt.relationType === "OBJECT_TABLE" && !fresh) {
    return [
      {
        rule: "rename-column",
        message: `Renaming column ${quote(stmt.subname ?? "")} of ${tableLabel(stmt.relation)} to ${quote(stmt.newname ?? "")} breaks running code that uses the old name.`,
      },
    ];
  }
  return [];
}

function alterTable(stmt: AlterTableStmt, state: MigrationState, at: number): RawFinding[] {
  if (stmt.objtype !== "OBJECT_TABLE") return [];
  const table = tableKey(stmt.relation);
  const label = tableLabel(stmt.relation);
  const fresh = isNew(stmt.relation, state);
  const findings: RawFinding[] = [];
  for (const node of stmt.cmds ?? []) {
    const cmd = as<AlterTableCmd>(node, "AlterTableCmd");
    if (!cmd) continue;
    // Knowledge is kept even on a new table: a later migration may rely on its checks.
    remember(cmd, table, state);
    if (fresh) continue;
    findings.push(...alterTableCommand(cmd, table, label, state));
    // Every form but VALIDATE (SHARE UPDATE EXCLUSIVE) locks writes out, most of them reads too.
    if (cmd.subtype !== "AT_ValidateConstraint") lock(stmt.relation, `ALTER TABLE ${label}`, at, state);
    const references = [as<Constraint>(cmd.def, "Constraint"), ...(as<ColumnDef>(cmd.def, "ColumnDef")?.constraints ?? []).map((c) => as<Constraint>(c, "Constraint"))];
    for (const c of references) if (c?.contype === "CONSTR_FOREIGN") lock(c.pktable, `the foreign key of ${label}`, at, state);
  }
  return findings;
}

function remember(cmd: AlterTableCmd, table: string, state: MigrationState) {
  if (cmd.subtype === "AT_AddConstraint") {
    const constraint = as<Constraint>(cmd.def, "Constraint");
    if (!constraint?.conname) return;
    const column = notNullCheckColumn(constraint);
    if (column) {
      state.knowledge.notNullChecks.set(key(table, constraint.conname), { table, column, validated: !constraint.skip_validation });
    }
  } else if (cmd.subtype === "AT_ValidateConstraint" && cmd.name) {
    const check = state.knowledge.notNullChecks.get(key(table, cmd.name));
    if (check) check.validated = true;
  } else if (cmd.subtype === "AT_DropConstraint" && cmd.name) {
    state.knowledge.notNullChecks.delete(key(table, cmd.name));
  }
}

/** The column of a `CHECK (column IS NOT NULL)` constraint. */
function notNullCheckColumn(constraint: Constraint): string | undefined {
  if (constraint.contype !== "CONSTR_CHECK") return undefined;
  const test = as<{ nulltesttype?: string; arg?: Node }>(constraint.raw_expr, "NullTest");
  if (test?.nulltesttype !== "IS_NOT_NULL") return undefined;
  const fields = names(as<{ fields?: Node[] }>(test.arg, "ColumnRef")?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}

function alterTableCommand(cmd: AlterTableCmd, table: string, label: string, state: MigrationState): RawFinding[] {
  switch (cmd.subtype) {
    case "AT_AddColumn":
      return addColumn(as<ColumnDef>(cmd.def, "ColumnDef") ?? {}, label);
    case "AT_AddConstraint":
      return addConstraint(as<Constraint>(cmd.def, "Constraint") ?? {}, table, label, state);
    case "AT_ValidateConstraint": {
      const name = quote(cmd.name ?? "");
      if (state.addedNotValid.has(key(table, cmd.name ?? ""))) {
        return [{ rule: "validate-in-same-migration", message: `Validating ${name} in the migration that added it NOT VALID scans ${label} under the ADD's lock.` }];
      }
      const locked = state.lockedTables.get(table);
      return locked
        ? [{ rule: "validate-in-same-migration", message: `Validating ${name} scans ${label} under the lock taken by ${locked.what} (line ${locked.line}) earlier in this migration, which blocks writes until it commits.` }]
        : [];
    }
    case "AT_DropNotNull":
      return [{ rule: "drop-not-null", message: `DROP NOT NULL on ${label}.${quote(cmd.name ?? "")} lets NULLs into a column that running code reads as never NULL.` }];
    case "AT_DetachPartition":
      return as<{ concurrent?: boolean }>(cmd.def, "PartitionCmd")?.concurrent
        ? []
        : [{ rule: "detach-partition-without-concurrently", message: `DETACH PARTITION ${tableLabel(as<{ name?: RangeVar }>(cmd.def, "PartitionCmd")?.name)} without CONCURRENTLY locks ${label} against reads and writes.` }];
    case "AT_SetLogged":
    case "AT_SetUnLogged":
    case "AT_SetTableSpace":
    case "AT_SetAccessMethod": {
      const form = { AT_SetLogged: "SET LOGGED", AT_SetUnLogged: "SET UNLOGGED", AT_SetTableSpace: "SET TABLESPACE", AT_SetAccessMethod: "SET ACCESS METHOD" }[cmd.subtype];
      return [{ rule: "alter-table-rewrite", message: `ALTER TABLE ${label} ${form} rewrites the whole table while blocking reads and writes.` }];
    }
    case "AT_SetNotNull": {
      const column = cmd.name ?? "";
      return provenNotNull(table, column, state) ? [] : [{ rule: "set-not-null", message: `SET NOT NULL on ${label}.${quote(column)} scans the table while blocking reads and writes.` }];
    }
    case "AT_DropColumn":
      return [{ rule: "drop-column", message: `DROP COLUMN ${quote(cmd.name ?? "")} of ${label} removes data that running code may still use.` }];
    case "AT_AlterColumnType":
      return [{ rule: "alter-column-type", message: `Changing the type of ${label}.${quote(cmd.name ?? "")} rewrites the table while blocking reads and writes.` }];
    default:
      return [];
  }
}

/** A validated CHECK (column IS NOT NULL) lets PostgreSQL >= 12 skip the scan of SET NOT NULL. */
const provenNotNull = (table: string, column: string, state: MigrationState) =>
  [...state.knowledge.notNullChecks.values()].some((c) => c.table === table && c.column === column && c.validated);

function addColumn(column: ColumnDef, label: string): RawFinding[] {
  const name = `${label}.${quote(column.colname ?? "")}`;
  const constraints = (column.constraints ?? []).map((n) => as<Constraint>(n, "Constraint")).filter((c): c is Constraint => Boolean(c));
  const type = names(column.typeName?.names);
  const serial = SERIAL_TYPES.has((type[type.length - 1] ?? "").toLowerCase());
  const defaultExpr = constraints.find((c) => c.contype === "CONSTR_DEFAULT")?.raw_expr;
  const identity = constraints.some((c) => c.contype === "CONSTR_IDENTITY");
  const generated = constraints.some((c) => c.contype === "CONSTR_GENERATED" && c.generated_kind !== "v");
  const findings: RawFinding[] = [];

  if (constraints.some((c) => c.contype === "CONSTR_NOTNULL" || c.contype === "CONSTR_PRIMARY") && !defaultExpr && !serial && !identity && !generated) {
    findings.push({ rule: "add-not-null-column-without-default", message: `ADD COLUMN ${name} NOT NULL without a DEFAULT fails on a table with rows.` });
  }
  const calls = [...new Set(functionsIn(defaultExpr))];
  const volatile = calls.filter((f) => volatilityOf(f) === "volatile");
  const unknown = calls.filter((f) => volatilityOf(f) === "unknown");
  const computed = volatile.length
    ? `its DEFAULT calls ${volatile.map((f) => `${f}()`).join(", ")}, which ${volatile.length === 1 ? "is" : "are"} volatile`
    : unknown.length
      ? `its DEFAULT calls ${unknown.map((f) => `${f}()`).join(", ")}, which lint cannot prove ${unknown.length === 1 ? "is" : "are"} not volatile`
      : serial
        ? `${type[type.length - 1]} takes each row's value from a sequence`
        : identity
          ? "an identity column takes each row's value from a sequence"
          : generated
            ? "a stored generated column is computed row by row"
            : undefined;
  if (computed) {
    findings.push({ rule: "add-column-volatile-default", message: `ADD COLUMN ${name} rewrites the whole table to fill every existing row: ${computed}.` });
  }
  if ((type[type.length - 1] ?? "").toLowerCase() === "json") {
    findings.push({ rule: "json-column", message: `ADD COLUMN ${name} of type json${column.typeName?.arrayBounds?.length ? "[]" : ""}, which has no equality operator: running queries that compare its rows (SELECT DISTINCT, UNION, GROUP BY) start failing.` });
  }
  for (const c of constraints) {
    if (c.contype === "CONSTR_FOREIGN" || c.contype === "CONSTR_CHECK") {
      findings.push({
        rule: "constraint-without-not-valid",
        message: `ADD COLUMN ${name} with an inline ${c.contype === "CONSTR_FOREIGN" ? "REFERENCES" : "CHECK"} validates every row (an inline constraint cannot be NOT VALID).`,
      });
    }
    if (c.contype === "CONSTR_UNIQUE" || (c.contype === "CONSTR_PRIMARY" && !c.indexname)) {
      findings.push({
        rule: "unique-constraint-without-index",
        message: `ADD COLUMN ${name} ${c.contype === "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY"} builds its index while blocking reads and writes.`,
      });
    }
  }
  return findings;
}

function addConstraint(constraint: Constraint, table: string, label: string, state: MigrationState): RawFinding[] {
  const name = constraint.conname ? `${quote(constraint.conname)} ` : "";
  switch (constraint.contype) {
    case "CONSTR_FOREIGN":
    case "CONSTR_CHECK": {
      const kindLabel = constraint.contype === "CONSTR_FOREIGN" ? "FOREIGN KEY" : "CHECK";
      // NOT ENFORCED (PostgreSQL 18) never checks existing rows either.
      if (constraint.skip_validation || constraint.is_enforced === false) {
        if (constraint.conname) state.addedNotValid.add(key(table, constraint.conname));
        return [];
      }
      return [
        {
          rule: "constraint-without-not-valid",
          message: `ADD CONSTRAINT ${name}${kindLabel} on ${label} without NOT VALID checks every existing row while blocking writes.`,
        },
      ];
    }
    case "CONSTR_NOTNULL": {
      // PostgreSQL 18: ADD CONSTRAINT name NOT NULL col [NOT VALID], SET NOT NULL by another name.
      const column = names(constraint.keys)[0] ?? "";
      if (constraint.skip_validation || provenNotNull(table, column, state)) return [];
      return [{ rule: "set-not-null", message: `ADD CONSTRAINT ${name}NOT NULL ${quote(column)} on ${label} scans the table while blocking reads and writes.` }];
    }
    case "CONSTR_EXCLUSION":
      return [
        {
          rule: "exclusion-constraint",
          message: `ADD CONSTRAINT ${name}EXCLUDE on ${label} builds its index and checks every row while blocking reads and writes; an exclusion constraint can be neither NOT VALID nor added USING INDEX.`,
        },
      ];
    case "CONSTR_UNIQUE":
    case "CONSTR_PRIMARY":
      if (constraint.indexname) return [];
      return [
        {
          rule: "unique-constraint-without-index",
          message: `ADD CONSTRAINT ${name}${constraint.contype === "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY"} on ${label} builds its index while blocking reads and writes; build it CONCURRENTLY first and add the constraint USING INDEX.`,
        },
      ];
    default:
      return [];
  }
}
