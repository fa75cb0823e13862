import { OpsError } from "../../errors.ts";
import type { SqlClient } from "../../sql.ts";
import { freeName, ident, renamedIndexName } from "./names.ts";
import { mappedColumn, mappedTable } from "./prisma-names.ts";
import type { ColumnRename, TableRename } from "./spec.ts";

/** A rename the recipes do not cover, or a name that does not fit; nothing was written. */
export class RenameRefusedError extends OpsError {
  override name = "RenameRefusedError";
  constructor(message: string) {
    super("RENAME_REFUSED", message);
  }
}

/** An index on the renamed column: its definition as it is, and as it must be on the new column. */
export interface ColumnIndex {
  name: string;
  /** `CREATE [UNIQUE] INDEX "name" ON "Table" USING ...`, the table unqualified. */
  definition: string;
  newName: string;
  newDefinition: string;
}

/** What the column rename recipe needs to know of the column, read from pg_catalog. */
export interface ColumnFacts {
  table: string;
  column: string;
  to: string;
  /** format_type, with a COLLATE clause when the column's collation is not its type's. */
  type: string;
  notNull: boolean;
  /** pg_get_expr of the default, or null. */
  default: string | null;
  /** `IS DISTINCT FROM` works on the type (json, point and a few others have no `=`). */
  comparable: boolean;
  indexes: ColumnIndex[];
  /** Free names for the objects the recipe creates. */
  syncFunction: string;
  notNullCheck: string;
}

export interface TableFacts {
  table: string;
  to: string;
  /** Indexes and constraints named after the table (Prisma's `Note_pkey`, `Note_userId_idx`): renamed with it. */
  renamedIndexes: { name: string; newName: string }[];
  renamedConstraints: { name: string; newName: string }[];
}

interface TableRow {
  oid: number;
  relname: string;
  relkind: string;
}

async function findTable(db: SqlClient, name: string, schema: string | undefined): Promise<TableRow> {
  const candidates = [...new Set([name, mappedTable(schema, name)].filter((n): n is string => Boolean(n)))];
  for (const candidate of candidates) {
    const { rows } = await db.query<TableRow>(
      `SELECT c.oid::int AS oid, c.relname, c.relkind::text AS relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relname = $1`,
      [candidate],
    );
    const row = rows[0];
    if (!row) continue;
    if (row.relkind !== "r" && row.relkind !== "p") throw new RenameRefusedError(`"${candidate}" is not a table (the rename recipes rename tables and their columns).`);
    return row;
  }
  throw new RenameRefusedError(`There is no table or model "${name}" in the schema the migrations build.`);
}

async function relationExists(db: SqlClient, name: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = $1`, [name]);
  return rows.length > 0;
}

async function relationNames(db: SqlClient): Promise<Set<string>> {
  const { rows } = await db.query<{ relname: string }>(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()`);
  return new Set(rows.map((r) => r.relname));
}

/** pg_get_indexdef qualifies the table with its schema; migrations run on the search_path, so the recipe names it bare. */
function unqualified(definition: string, qualifiedTable: string, table: string): string {
  return definition.replace(` ON ${qualifiedTable} `, ` ON ${ident(table)} `).replace(` ON ONLY ${qualifiedTable} `, ` ON ONLY ${ident(table)} `);
}

export async function readColumnFacts(db: SqlClient, rename: ColumnRename, prismaSchema?: string): Promise<ColumnFacts> {
  const table = await findTable(db, rename.table, prismaSchema);
  const columnName = (await columnExists(db, table.oid, rename.column)) ? rename.column : mappedColumn(prismaSchema, rename.table, rename.column);
  const { rows } = await db.query<{ attnum: number; type: string; collation: string | null; not_null: boolean; default_expr: string | null; identity: string; generated: string }>(
    `SELECT a.attnum::int AS attnum, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation) END AS collation
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [table.oid, columnName ?? rename.column],
  );
  const column = rows[0];
  if (!column || !columnName) throw new RenameRefusedError(`Table "${table.relname}" has no column or field "${rename.column}".`);
  if (await columnExists(db, table.oid, rename.to)) throw new RenameRefusedError(`Table "${table.relname}" already has a column "${rename.to}".`);
  if (column.identity || column.generated) {
    throw new RenameRefusedError(`"${table.relname}"."${columnName}" is ${column.identity ? "an identity" : "a generated"} column, which the rename recipe does not cover; rename it by hand following the guide's multi-step rename.`);
  }

  // Everything that depends on the column besides its indexes and its own default: constraints
  // (keys, checks, foreign keys from elsewhere), views, owned sequences, column triggers, policies.
  const { rows: dependents } = await db.query<{ what: string }>(
    `SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS what
     FROM pg_depend d
     WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = $1 AND d.refobjsubid = $2 AND d.deptype IN ('n', 'a', 'i')
       AND NOT (d.classid = 'pg_class'::regclass AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = d.objid))
       AND NOT (d.classid = 'pg_attrdef'::regclass AND EXISTS (SELECT 1 FROM pg_attrdef ad WHERE ad.oid = d.objid AND ad.adnum = $2))
       AND NOT (d.classid = 'pg_constraint'::regclass AND EXISTS (SELECT 1 FROM pg_constraint c WHERE c.oid = d.objid AND c.contype = 'n'))
     ORDER BY 1`,
    [table.oid, column.attnum],
  );
  if (dependents.length) {
    throw new RenameRefusedError(
      `"${table.relname}"."${columnName}" is used by ${dependents.map((d) => d.what).join(", ")}; the rename recipe covers a column with indexes and a default only, so rename this one by hand following the guide's multi-step rename.`,
    );
  }

  const qualifiedTable = (await db.query<{ q: string }>(`SELECT format('%I.%I', current_schema(), $1::text) AS q`, [table.relname])).rows[0]?.q ?? "";
  const { rows: indexRows } = await db.query<{ oid: number; name: string; definition: string }>(
    `SELECT DISTINCT i.indexrelid::int AS oid, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_depend d JOIN pg_index i ON i.indexrelid = d.objid JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = $1 AND d.refobjsubid = $2
     ORDER BY ic.relname`,
    [table.oid, column.attnum],
  );
  const taken = await relationNames(db);
  const indexes = indexRows.map((index) => {
    const newName = freeName(renamedIndexName(index.name, columnName, rename.to), taken);
    taken.add(newName);
    return { ...index, newName, definition: unqualified(index.definition, qualifiedTable, table.relname) };
  });

  // The new column's index definitions are PostgreSQL's own: rename the column and the indexes
  // in a transaction, read pg_get_indexdef, roll back.
  const newDefinitions = new Map<number, string>();
  await db.query("BEGIN");
  try {
    await db.query(`ALTER TABLE ${ident(table.relname)} RENAME COLUMN ${ident(columnName)} TO ${ident(rename.to)}`);
    for (const index of indexes) {
      await db.query(`ALTER INDEX ${ident(index.name)} RENAME TO ${ident(index.newName)}`);
      const { rows: def } = await db.query<{ d: string }>(`SELECT pg_get_indexdef($1::oid) AS d`, [index.oid]);
      newDefinitions.set(index.oid, unqualified(def[0]?.d ?? "", qualifiedTable, table.relname));
    }
  } finally {
    await db.query("ROLLBACK");
  }

  let comparable = true;
  try {
    await db.query(`SELECT NULL::${column.type} IS DISTINCT FROM NULL::${column.type}`);
  } catch {
    comparable = false;
  }

  const { rows: functions } = await db.query<{ proname: string }>(`SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()`);
  const { rows: constraints } = await db.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE conrelid = $1`, [table.oid]);
  return {
    table: table.relname,
    column: columnName,
    to: rename.to,
    type: column.collation ? `${column.type} COLLATE ${column.collation}` : column.type,
    notNull: column.not_null,
    default: column.default_expr,
    comparable,
    indexes: indexes.map(({ name, newName, definition, oid }) => ({ name, newName, definition, newDefinition: newDefinitions.get(oid) ?? "" })),
    syncFunction: freeName(`${table.relname}_sync_${columnName}_to_${rename.to}`, new Set(functions.map((f) => f.proname))),
    notNullCheck: freeName(`${table.relname}_${rename.to}_not_null`, new Set(constraints.map((c) => c.conname))),
  };
}

async function columnExists(db: SqlClient, table: number, column: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM pg_attribute WHERE attrelid = $1 AND attname = $2 AND attnum > 0 AND NOT attisdropped`, [table, column]);
  return rows.length > 0;
}

export async function readTableFacts(db: SqlClient, rename: TableRename, prismaSchema?: string): Promise<TableFacts> {
  const table = await findTable(db, rename.table, prismaSchema);
  if (await relationExists(db, rename.to)) throw new RenameRefusedError(`A table, view, index or sequence named "${rename.to}" already exists.`);
  const prefix = `${table.relname}_`;
  const { rows: constraints } = await db.query<{ conname: string; conindid: number }>(
    `SELECT conname, conindid::int AS conindid FROM pg_constraint WHERE conrelid = $1 AND contype <> 'n' ORDER BY conname`,
    [table.oid],
  );
  const { rows: indexes } = await db.query<{ name: string; oid: number }>(
    `SELECT c.relname AS name, c.oid::int AS oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1 ORDER BY c.relname`,
    [table.oid],
  );
  // Relation names (indexes included) are one namespace per schema; constraint names are per table.
  const taken = await relationNames(db);
  const renamed = (name: string) => {
    const free = freeName(`${rename.to}_${name.slice(prefix.length)}`, taken);
    taken.add(free);
    return free;
  };
  // Renaming a key or unique constraint renames its index too.
  const constraintIndexes = new Set(constraints.map((c) => c.conindid).filter(Boolean));
  const renamedConstraints = constraints.filter((c) => c.conname.startsWith(prefix)).map((c) => ({ name: c.conname, newName: renamed(c.conname) }));
  const renamedIndexes = indexes.filter((i) => i.name.startsWith(prefix) && !constraintIndexes.has(i.oid)).map((i) => ({ name: i.name, newName: renamed(i.name) }));
  return { table: table.relname, to: rename.to, renamedIndexes, renamedConstraints };
}
