import { connect } from "../../src/ops/sql.ts";

/** What the recovery tests share: fast throwaway servers and small SQL helpers. */

// Small and fast: these servers hold a few rows and need no durability.
export const FAST = {
  fsync: "off",
  synchronous_commit: "off",
  shared_buffers: "16MB",
  max_connections: "30",
  autovacuum: "off",
} as const;

export async function sql<R extends object = Record<string, unknown>>(url: string, text: string): Promise<R[]> {
  const conn = await connect(url);
  try {
    return (await conn.query<R>(text)).rows;
  } finally {
    await conn.close();
  }
}

export const values = async (url: string) => (await sql<{ v: string }>(url, "SELECT v FROM items ORDER BY v")).map((row) => row.v);
export const hasTable = async (url: string, table: string) =>
  (await sql<{ found: string | null }>(url, `SELECT to_regclass('${table}')::text AS found`))[0]?.found === table;

/** The database's clock just after everything so far committed, with a margin on each side. */
export async function databaseNow(url: string): Promise<Date> {
  await sql(url, "SELECT pg_sleep(0.005)");
  const [row] = await sql<{ now: Date }>(url, "SELECT now()");
  await sql(url, "SELECT pg_sleep(0.005)");
  return (row as { now: Date }).now;
}
