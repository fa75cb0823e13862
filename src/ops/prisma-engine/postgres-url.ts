import { splitConnectionString } from "../../db/url.ts";

/** What the engine needs to know about a Prisma-style PostgreSQL connection string. */
export interface PostgresTarget {
  /** For node-postgres: Prisma's own parameters (`schema`, `pgbouncer`, ...) removed. */
  connectionString: string;
  /** The database named in the URL; PostgreSQL's default is the user name, Prisma's is `postgres`. */
  database: string;
  /** Prisma's `?schema=`, the default namespace of migrations; `public` when absent. */
  schema: string;
  host: string;
  port: string;
}

export function parsePostgresUrl(url: string): PostgresTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new Error(`The datasource URL must start with postgresql:// or postgres:// (got ${parsed.protocol}//).`);
  }
  const { connectionString, schema } = splitConnectionString(url);
  return {
    connectionString,
    database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    schema: schema ?? "public",
    host: parsed.hostname || "localhost",
    port: parsed.port || "5432",
  };
}

/** The same server and credentials, another database. */
export function withDatabase(connectionString: string, database: string): string {
  const parsed = new URL(connectionString);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
