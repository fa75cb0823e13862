import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, CreateStmt, CreateTableAsStmt, DropStmt, IndexStmt, Node, RangeVar, RenameStmt, SelectStmt } from "libpg-query";
import { as, functionsIn, names, quote, tableKey, tableLabel, unwrap } from "./ast.ts";
import type { SqlStatement } from "./parser.ts";
import type { RuleId } from "./rules.ts";

/**
 * The rules that judge one statement at a time. Statements on a table created earlier in the
 * same migration are exempt from them: nobody else can see that table until the migration
 * commits, so its locks block no one.
 */

export interface RawFinding {
  rule: RuleId;
  /** What this statement does wrong, naming its objects. */
  message: string;
}

/** What earlier migrations left that changes a verdict: NOT NULL checks, added and validated. */
export interface Knowledge {
  /** Keyed by table and constraint name. */
  notNullChecks: Map<string, { table: string; column: string; validated: boolean }>;
}

export const emptyKnowledge = (): Knowledge => ({ notNullChecks: new Map() });
export const copyKnowledge = (k: Knowledge): Knowledge => ({ notNullChecks: new Map([...k.notNullChecks].map(([key, v]) => [key, { ...v }])) });

/** What the statements before this one in the same migration did. */
export interface MigrationState {
  createdTables: Set<string>;
  /** Index name -> table, for indexes created in this migration. */
  createdIndexes: Map<string, string>;
  /** Table + constraint name of constraints added NOT VALID in this migration. */
  addedNotValid: Set<string>;
  knowledge: Knowledge;
}

export const newState = (knowledge: Knowledge): MigrationState => ({
  createdTables: new Set(),
  createdIndexes: new Map(),
  addedNotValid: new Set(),
  knowledge,
});

/** Functions PostgreSQL marks VOLATILE that show up in column defaults (pg_proc.provolatile = 'v'). */
const VOLATILE_FUNCTIONS = new Set([
  "random",
  "random_normal",
  "gen_random_uuid",
  "uuidv4",
  "uuidv7",
  "uuid_generate_v1",
  "uuid_generate_v1mc",
  "uuid_generate_v4",
  "gen_random_bytes",
  "clock_timestamp",
  "timeofday",
  "nextval",
  "currval",
  "lastval",
  "setval",
  "setseed",
]);

const SERIAL_TYPES = new Set(["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]);

const key = (table: string, name: string) => `${table}\u0000${name}`;

/** Checks one statement against the rules, then records what it created. */
export function checkStatement(statement: SqlStatement, state: MigrationState): RawFinding[] {
  const [kind, body] = unwrap(statement.ast);
  switch (kind) {
    case "CreateStmt":
      return createTable(body as CreateStmt, state);
    case "CreateTableAsStmt":
      return created((body as CreateTableAsStmt).into?.rel, state);
    case "SelectStmt":
      return created((body as SelectStmt).intoClause?.rel, state);
    case "IndexStmt":
      return createIndex(body as IndexStmt, state);
    case "DropStmt":
      return drop(body as DropStmt, state);
    case "RenameStmt":
      return rename(body as RenameStmt, state);
    case "AlterTableStmt":
      return alterTable(body as AlterTableStmt, state);
    default:
      return [];
  }
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

function createIndex(stmt: IndexStmt, state: MigrationState): RawFinding[] {
  const table = tableKey(stmt.relation);
  if (stmt.idxname) state.createdIndexes.set(stmt.idxname, table);
  if (stmt.concurrent || isNew(stmt.relation, state)) return [];
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

function rename(stmt: RenameStmt, state: MigrationState): RawFinding[] {
  const fresh = isNew(stmt.relation, state);
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

function alterTable(stmt: AlterTableStmt, state: MigrationState): RawFinding[] {
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
    case "AT_ValidateConstraint":
      return state.addedNotValid.has(key(table, cmd.name ?? ""))
        ? [{ rule: "validate-in-same-migration", message: `Validating ${quote(cmd.name ?? "")} in the migration that added it NOT VALID scans ${label} under the ADD's lock.` }]
        : [];
    case "AT_SetNotNull": {
      const column = cmd.name ?? "";
      const proven = [...state.knowledge.notNullChecks.values()].some((c) => c.table === table && c.column === column && c.validated);
      return proven ? [] : [{ rule: "set-not-null", message: `SET NOT NULL on ${label}.${quote(column)} scans the table while blocking reads and writes.` }];
    }
    case "AT_DropColumn":
      return [{ rule: "drop-column", message: `DROP COLUMN ${quote(cmd.name ?? "")} of ${label} removes data that running code may still use.` }];
    case "AT_AlterColumnType":
      return [{ rule: "alter-column-type", message: `Changing the type of ${label}.${quote(cmd.name ?? "")} rewrites the table while blocking reads and writes.` }];
    default:
      return [];
  }
}

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
  const volatile = [...new Set(functionsIn(defaultExpr).filter((f) => VOLATILE_FUNCTIONS.has(f)))];
  const computed = volatile.length
    ? `its DEFAULT calls ${volatile.map((f) => `${f}()`).join(", ")}, which ${volatile.length === 1 ? "is" : "are"} volatile`
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
