import type { AlterDomainStmt, AlterEnumStmt, ClusterStmt, CreateDomainStmt, CreateEnumStmt, DropdbStmt, Node, RangeVar, ReindexStmt, RenameStmt, TruncateStmt, VacuumStmt } from "libpg-query";
import { as, names, quote, tableKey, tableLabel, unwrap } from "./ast.ts";
import type { SqlStatement } from "./parser.ts";
import type { MigrationState, RawFinding } from "./state.ts";
import { lock } from "./statement-rules.ts";

/**
 * The rules about objects other than a table's columns and constraints: databases, TRUNCATE,
 * domains, enum values, schemas, and the maintenance commands that rebuild a table or its
 * indexes (REINDEX, VACUUM FULL, CLUSTER).
 */
export function objectRules(statement: SqlStatement, state: MigrationState): RawFinding[] {
  const [kind, body] = unwrap(statement.ast);
  switch (kind) {
    case "DropdbStmt":
      return [{ rule: "drop-database", message: `DROP DATABASE ${quote((body as DropdbStmt).dbname ?? "")} deletes a whole database, and every connection to it fails.` }];
    case "TruncateStmt":
      return truncate(body as TruncateStmt, state, statement.line);
    case "CreateEnumStmt":
      state.createdTypes.add(lastName((body as CreateEnumStmt).typeName));
      return [];
    case "CreateDomainStmt":
      return createDomain(body as CreateDomainStmt, state);
    case "AlterDomainStmt":
      return alterDomain(body as AlterDomainStmt, state);
    case "AlterEnumStmt":
      return renameEnumValue(body as AlterEnumStmt, state);
    case "RenameStmt": {
      const stmt = body as RenameStmt;
      if (stmt.renameType !== "OBJECT_SCHEMA") return [];
      return [{ rule: "rename-schema", message: `Renaming schema ${quote(stmt.subname ?? "")} to ${quote(stmt.newname ?? "")} breaks running code that uses the old name.` }];
    }
    case "ReindexStmt":
      return reindex(body as ReindexStmt, statement);
    case "VacuumStmt":
      return vacuumFull(body as VacuumStmt, state);
    case "ClusterStmt": {
      const relation = (body as ClusterStmt).relation;
      if (relation && state.createdTables.has(tableKey(relation))) return [];
      lock(relation, `CLUSTER ${tableLabel(relation)}`, statement.line, state);
      return [{ rule: "vacuum-full-or-cluster", message: `CLUSTER ${relation ? tableLabel(relation) : "(every clustered table)"} rewrites the table while blocking reads and writes.` }];
    }
    default:
      return [];
  }
}

const lastName = (list: Node[] | undefined) => {
  const parts = names(list);
  return parts[parts.length - 1] ?? "";
};

function truncate(stmt: TruncateStmt, state: MigrationState, line: number): RawFinding[] {
  const relations = (stmt.relations ?? []).map((r) => as<RangeVar>(r, "RangeVar")).filter((r): r is RangeVar => Boolean(r));
  const labels = relations.map(tableLabel).join(", ");
  const findings: RawFinding[] = [];
  const existing = relations.filter((r) => !state.createdTables.has(tableKey(r)));
  if (existing.length) {
    findings.push({ rule: "truncate-table", message: `TRUNCATE ${existing.map(tableLabel).join(", ")} deletes every row, and locks the table against reads and writes until the migration commits.` });
  }
  for (const r of existing) lock(r, `TRUNCATE ${tableLabel(r)}`, line, state);
  if (stmt.behavior === "DROP_CASCADE") {
    findings.push({ rule: "truncate-cascade", message: `TRUNCATE ${labels} CASCADE also empties every table with a foreign key to ${relations.length === 1 ? "it" : "them"}, and every table referencing those, recursively.` });
  }
  return findings;
}

function createDomain(stmt: CreateDomainStmt, state: MigrationState): RawFinding[] {
  const name = lastName(stmt.domainname);
  state.createdTypes.add(name);
  if (!stmt.constraints?.length) return [];
  return [{ rule: "create-domain-with-constraint", message: `CREATE DOMAIN ${quote(name)} with a constraint: every later change to the constraint re-checks every column of every table that uses the domain.` }];
}

function alterDomain(stmt: AlterDomainStmt, state: MigrationState): RawFinding[] {
  const name = lastName(stmt.typeName);
  // 'C' is ADD CONSTRAINT, 'O' SET NOT NULL: both check every stored value of the domain.
  if ((stmt.subtype !== "C" && stmt.subtype !== "O") || state.createdTypes.has(name)) return [];
  const what = stmt.subtype === "C" ? "ADD CONSTRAINT" : "SET NOT NULL";
  return [{ rule: "alter-domain-add-constraint", message: `ALTER DOMAIN ${quote(name)} ${what} checks every column of every table that uses the domain while blocking their writes.` }];
}

function renameEnumValue(stmt: AlterEnumStmt, state: MigrationState): RawFinding[] {
  const name = lastName(stmt.typeName);
  // oldVal is set only by RENAME VALUE; ADD VALUE is safe on PostgreSQL >= 12.
  if (!stmt.oldVal || state.createdTypes.has(name)) return [];
  return [{ rule: "rename-enum-value", message: `Renaming value '${stmt.oldVal}' of enum ${quote(name)} to '${stmt.newVal ?? ""}' breaks running code that reads or writes the old value.` }];
}

const hasOption = (params: Node[] | undefined, option: string) => (params ?? []).some((p) => as<{ defname?: string }>(p, "DefElem")?.defname === option);

function reindex(stmt: ReindexStmt, statement: SqlStatement): RawFinding[] {
  // REINDEX SYSTEM has no CONCURRENTLY form.
  if (statement.concurrently || stmt.kind === "REINDEX_OBJECT_SYSTEM") return [];
  const target = stmt.relation ? tableLabel(stmt.relation) : quote(stmt.name ?? "");
  const what = (stmt.kind ?? "").replace(/^REINDEX_OBJECT_/, "");
  return [{ rule: "reindex-without-concurrently", message: `REINDEX ${what} ${target} without CONCURRENTLY blocks writes to the table(s) and every read that would use the index(es) being rebuilt.` }];
}

function vacuumFull(stmt: VacuumStmt, state: MigrationState): RawFinding[] {
  if (!stmt.is_vacuumcmd || !hasOption(stmt.options, "full")) return [];
  const relations = (stmt.rels ?? []).map((r) => as<{ relation?: RangeVar }>(r, "VacuumRelation")?.relation).filter((r): r is RangeVar => Boolean(r));
  const existing = relations.filter((r) => !state.createdTables.has(tableKey(r)));
  if (relations.length && !existing.length) return [];
  const target = existing.length ? existing.map(tableLabel).join(", ") : "(every table of the database)";
  return [{ rule: "vacuum-full-or-cluster", message: `VACUUM FULL ${target} rewrites ${existing.length === 1 ? "the table" : "each table"} while blocking its reads and writes.` }];
}
