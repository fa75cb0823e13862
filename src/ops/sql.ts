import pg from "pg";
import { splitConnectionString } from "../db/url.ts";

/** The little of a SQL connection that database operations need; node-postgres provides it. */
export interface SqlClient {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface Connection extends SqlClient {
  close(): Promise<void>;
}

/**
 * Opens one direct connection (migrations and operations never go through a pooler: advisory
 * locks and multi-statement scripts need a session of their own). Honours Prisma's `?schema=`.
 */
export async function connect(url: string, options: { connectTimeoutMs?: number; applicationName?: string; createSchema?: boolean } = {}): Promise<Connection> {
  const { connectionString, schema } = splitConnectionString(url);
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? "dbctl",
  });
  // An idle connection that dies (server restart) must not crash the process.
  client.on("error", () => {});
  await client.connect();
  if (schema) {
    if (options.createSchema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);
  }
  return {
    query: async <R extends object>(sql: string, params?: unknown[]) => {
      const result = await client.query(sql, params);
      return { rows: result.rows as R[], rowCount: result.rowCount };
    },
    close: () => client.end(),
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
