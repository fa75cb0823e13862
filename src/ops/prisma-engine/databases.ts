import pg from "pg";
import { quoteIdent } from "../sql.ts";
import { EngineError } from "./json-rpc.ts";
import { parsePostgresUrl, withDatabase, type PostgresTarget } from "./postgres-url.ts";

const CONNECT_TIMEOUT_MS = 10_000;

async function open(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: "prisma-schema-engine" });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/**
 * Connection failures as the native engine reports them (its user-facing P1xxx errors), so the
 * CLI reacts the same way: P1003 makes `migrate dev`/`deploy` create the database.
 */
export function connectionError(error: unknown, target: PostgresTarget): EngineError {
  const e = error as { code?: string; message?: string };
  const at = `${target.host}:${target.port}`;
  switch (e.code) {
    case "3D000":
      return userError("P1003", `Database \`${target.database}\` does not exist on the database server at \`${at}\`.`, {
        database_name: target.database,
        database_host: target.host,
        database_port: Number(target.port),
      });
    case "28P01":
    case "28000":
      return userError("P1000", `Authentication failed against database server at \`${target.host}\`, the provided database credentials for the user are not valid.`, {
        database_host: target.host,
      });
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "ETIMEDOUT":
      return userError("P1001", `Can't reach database server at \`${at}\`\n\nPlease make sure your database server is running at \`${at}\`.`, {
        database_host: target.host,
        database_port: Number(target.port),
      });
    default:
      return new EngineError({ is_panic: false, message: e.message ?? String(error) });
  }
}

function userError(code: string, message: string, meta: Record<string, unknown>): EngineError {
  return new EngineError({ is_panic: false, message, error_code: code, meta });
}

export async function canConnect(url: string): Promise<void> {
  const target = parsePostgresUrl(url);
  let client: pg.Client;
  try {
    client = await open(target.connectionString);
  } catch (error) {
    throw connectionError(error, target);
  }
  await client.end().catch(() => {});
}

/** CREATE DATABASE from the server's `postgres` database (then `template1`), as the native engine does. */
export async function createDatabase(url: string): Promise<{ databaseName: string }> {
  const target = parsePostgresUrl(url);
  await onMaintenanceDatabase(target, (client) => client.query(`CREATE DATABASE ${quoteIdent(target.database)}`));
  return { databaseName: target.database };
}

export async function dropDatabase(url: string): Promise<void> {
  const target = parsePostgresUrl(url);
  await onMaintenanceDatabase(target, (client) => client.query(`DROP DATABASE ${quoteIdent(target.database)}`));
}

async function onMaintenanceDatabase(target: PostgresTarget, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  let client: pg.Client | undefined;
  let lastError: unknown;
  for (const database of ["postgres", "template1"]) {
    try {
      client = await open(withDatabase(target.connectionString, database));
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!client) throw connectionError(lastError, target);
  try {
    await run(client);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === "42P04") throw userError("P1009", `Database \`${target.database}\` already exists on the database server at \`${target.host}:${target.port}\``, { database_name: target.database });
    throw new EngineError({ is_panic: false, message: e.message ?? String(error) });
  } finally {
    await client.end().catch(() => {});
  }
}
