import { randomBytes } from "node:crypto";
import { OpsError } from "./errors.ts";
import { connect, quoteIdent, type Connection } from "./sql.ts";

/**
 * A throwaway database beside the target one (same server, same credentials), dropped when the
 * work ends, whatever happened. Verification runs there, never on the target's data.
 */
export async function withScratchDatabase<T>(url: string, prefix: string, work: (scratchUrl: string, name: string) => Promise<T>): Promise<T> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = await connect(url);
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (error) {
    await admin.close();
    throw new OpsError("SCRATCH_DATABASE_FAILED", `Could not create the scratch database ${name} (the user needs CREATEDB): ${(error as Error).message}`);
  }
  try {
    return await work(databaseUrl(url, name), name);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(() => {});
    await admin.close();
  }
}

/** The same connection string, pointed at another database on the server. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export type { Connection };
