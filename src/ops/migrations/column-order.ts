import type { AlterTableCmd, AlterTableStmt, Node } from "libpg-query";
import type { FingerprintDiff } from "./fingerprint.ts";
import { splitStatements, SqlSyntaxError } from "./lint/index.ts";

/**
 * When a rollback differs from the schema before its migration only in the order of a table's
 * columns, and the migration drops a column of that table, the difference is one PostgreSQL
 * cannot undo: a column added back (ALTER TABLE ... ADD COLUMN) always goes last. Every column's
 * type, nullability and default is still compared line by line; only the order is let through.
 * Answers the note to report, or undefined when the difference is anything else.
 */
export async function columnOrderOnly(diff: FingerprintDiff, migrationSql: string): Promise<string | undefined> {
  const orders = (lines: string[]) => lines.map((line) => /^columns (.+) \((.*)\)$/.exec(line)).map((m) => (m ? { table: m[1] as string, columns: m[2] as string } : undefined));
  const missing = orders(diff.missing);
  const extra = orders(diff.extra);
  if (missing.length === 0 || missing.length !== extra.length || [...missing, ...extra].some((m) => m === undefined)) return undefined;
  const dropped = await tablesWithDroppedColumns(migrationSql);
  const tables: string[] = [];
  for (const before of missing as { table: string; columns: string }[]) {
    const after = (extra as { table: string; columns: string }[]).find((e) => e.table === before.table);
    const sameSet = after && [...before.columns.split(", ")].sort().join(", ") === [...after.columns.split(", ")].sort().join(", ");
    if (!sameSet || !dropped.has(unquote(before.table))) return undefined;
    tables.push(before.table);
  }
  return `its rollback re-adds a dropped column of ${tables.join(", ")} at the end of the table: the column order differs, which PostgreSQL cannot restore; every column is otherwise restored`;
}

const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name);

async function tablesWithDroppedColumns(sql: string): Promise<Set<string>> {
  const tables = new Set<string>();
  let statements;
  try {
    statements = await splitStatements(sql);
  } catch (error) {
    if (error instanceof SqlSyntaxError) return tables;
    throw error;
  }
  for (const statement of statements) {
    const alter = (statement.ast as { AlterTableStmt?: AlterTableStmt }).AlterTableStmt;
    const drops = (alter?.cmds ?? []).some((c: Node) => (c as { AlterTableCmd?: AlterTableCmd }).AlterTableCmd?.subtype === "AT_DropColumn");
    if (drops && alter?.relation?.relname) tables.add(alter.relation.relname);
  }
  return tables;
}
