import { resolve } from "node:path";
import { maskUrl } from "../env.ts";
import { readMigrations, type MigrationFile } from "../ops/migrations/files.ts";
import { connect, type Connection } from "../ops/sql.ts";
import { CliError, type CliContext } from "./command.ts";

/** Opens one direct connection for the length of `work`, and always closes it. */
export async function withConnection<T>(url: string, options: { createSchema?: boolean }, work: (db: Connection) => Promise<T>): Promise<T> {
  let db: Connection;
  try {
    db = await connect(url, { applicationName: "dbctl", createSchema: options.createSchema ?? false });
  } catch (error) {
    const reason = (error as { message?: string }).message ?? String(error);
    throw new CliError("CONNECTION_FAILED", `Could not connect to ${maskUrl(url)}: ${reason}`);
  }
  try {
    return await work(db);
  } finally {
    await db.close().catch(() => {});
  }
}

/** The migrations folder, read relative to the directory dbctl runs in (as Prisma does). */
export function loadMigrations(ctx: CliContext, dir: string): MigrationFile[] {
  try {
    return readMigrations(resolve(ctx.cwd, dir));
  } catch (error) {
    throw new CliError("MIGRATIONS_DIR", (error as Error).message);
  }
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
