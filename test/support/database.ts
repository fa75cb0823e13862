import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { quotedName, userTables } from "../../src/ops/backup/tables.ts";
import { connect, quoteIdent, withConnection, type Connection } from "../../src/ops/sql.ts";

/**
 * A database of this test file's own, cloned from the migrated template (or empty), dropped
 * when the file's tests end.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<{ url: string; name: string }> {
  const pg = inject("pg");
  const name = `t_${randomBytes(6).toString("hex")}`;
  await withConnection(pg.adminUrl, (admin) =>
    admin.query(options.empty ? `CREATE DATABASE ${quoteIdent(name)}` : `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(pg.template)}`),
  );
  created.push(name);
  return { url: pg.urlPrefix + name, name };
}

// Registered when a test file imports this module, so it runs once after all of that file's
// tests, wherever createTestDatabase was called from (hooks registered inside hooks may not run).
const created: string[] = [];
afterAll(async () => {
  if (created.length === 0) return;
  await withConnection(inject("pg").adminUrl, async (admin) => {
    for (const name of created.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
});

// Connections a test file opens, closed after its tests, wherever they were opened.
const opened: Connection[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close().catch(() => {})));
});

/** A direct connection closed when the file's tests end. */
export async function openConnection(url: string): Promise<Connection> {
  const db = await connect(url);
  opened.push(db);
  return db;
}

/** Every user table's rows as text, in a stable order: two databases hold the same data when these are equal. */
export function tableRows(url: string): Promise<Record<string, string[]>> {
  return withConnection(url, async (db) => {
    const out: Record<string, string[]> = {};
    for (const table of await userTables(db)) {
      const { rows } = await db.query<{ r: string }>(`SELECT t::text AS r FROM ${quotedName(table)} t ORDER BY 1`);
      out[`${table.schema}.${table.name}`] = rows.map((row) => row.r);
    }
    return out;
  });
}
