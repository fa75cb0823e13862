import pg from "pg";
import { splitConnectionString } from "../db/url.ts";
import { maskUrl } from "../env.ts";
import { OpsError } from "./errors.ts";

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

export type ConnectOptions = NonNullable<Parameters<typeof connect>[1]>;

/**
 * One direct connection for the length of `work`, always closed after it (a failed close is not
 * the caller's failure). A connection that cannot be opened is a CONNECTION_FAILED error naming
 * the server, password masked.
 */
export async function withConnection<T>(url: string, work: (db: Connection) => Promise<T>, options: ConnectOptions = {}): Promise<T> {
  let db: Connection;
  try {
    db = await connect(url, options);
  } catch (error) {
    const reason = (error as { message?: string }).message ?? String(error);
    throw new OpsError("CONNECTION_FAILED", `Could not connect to ${maskUrl(url)}: ${reason}`, { database: maskUrl(url) });
  }
  try {
    return await work(db);
  } finally {
    await db.close().catch(() => {});
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
