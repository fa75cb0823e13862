import type { SqlClient } from "../sql.ts";
import { quoteIdent } from "../sql.ts";
import { BackupError } from "./errors.ts";

/** A table whose rows pg_dump writes: ordinary or partitioned, in a user schema, not an extension's. */
export interface TableRef {
  schema: string;
  name: string;
}

export const qualifiedName = (t: TableRef) => `${t.schema}.${t.name}`;
export const quotedName = (t: TableRef) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;

export async function userTables(db: SqlClient): Promise<TableRef[]> {
  const { rows } = await db.query<TableRef>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
        AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  return rows;
}

/**
 * The tables a user named (`Note`, `public.Note`, or `note` when only one table matches without
 * regard to case). Names are matched exactly rather than as pg_dump patterns, where an unquoted
 * `User` would silently mean `user`.
 */
export function resolveTables(all: readonly TableRef[], names: readonly string[]): TableRef[] {
  const chosen: TableRef[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const dot = name.indexOf(".");
    const [schema, table] = dot === -1 ? [undefined, name] : [name.slice(0, dot), name.slice(dot + 1)];
    const named = (t: TableRef, same: (a: string, b: string) => boolean) => same(t.name, table) && (schema === undefined || same(t.schema, schema));
    let matches = all.filter((t) => named(t, (a, b) => a === b));
    if (matches.length === 0) matches = all.filter((t) => named(t, (a, b) => a.toLowerCase() === b.toLowerCase()));
    if (matches.length > 1) {
      throw new BackupError("AMBIGUOUS_TABLE", `The table name "${name}" matches ${matches.map(qualifiedName).join(", ")}; name one with its schema.`);
    }
    const match = matches[0];
    if (!match) {
      const known = all.map(qualifiedName);
      throw new BackupError(
        "UNKNOWN_TABLE",
        `There is no table "${name}" in the database; its tables are ${known.length ? known.slice(0, 20).join(", ") + (known.length > 20 ? ", ..." : "") : "none"}.`,
      );
    }
    if (!chosen.some((t) => t.schema === match.schema && t.name === match.name)) chosen.push(match);
  }
  return chosen;
}

/** Exact row counts, in one statement so they all come from the caller's snapshot. */
export async function countRows(db: SqlClient, tables: readonly TableRef[]): Promise<number[]> {
  if (tables.length === 0) return [];
  const sql = tables.map((t, i) => `SELECT ${i} AS i, count(*) AS n FROM ${quotedName(t)}`).join(" UNION ALL ");
  const { rows } = await db.query<{ i: number; n: string }>(sql);
  const counts = new Array<number>(tables.length).fill(0);
  for (const row of rows) counts[Number(row.i)] = Number(row.n);
  return counts;
}
