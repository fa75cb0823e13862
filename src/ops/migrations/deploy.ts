import { randomUUID } from "node:crypto";
import type { SqlClient } from "../sql.ts";
import type { MigrationFile } from "./files.ts";
import { CREATE_MIGRATIONS_TABLE, MIGRATE_LOCK_KEY } from "./history.ts";
import { migrationStatus, type MigrationStatus } from "./status.ts";

export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(
    message: string,
    readonly code: "FAILED_MIGRATIONS" | "MIGRATION_FAILED",
    readonly migration: string,
  ) {
    super(message);
  }
}

export interface DeployResult {
  applied: string[];
  /** Applied migrations whose file changed since: reported, never re-run. */
  modified: MigrationStatus["modified"];
}

export interface DeployOptions {
  log?: (line: string) => void;
}

/**
 * Applies pending migrations in folder-name order, as `prisma migrate deploy` does, writing
 * `_prisma_migrations` the same way. Differences that only make it safer: each migration and
 * its "finished" mark commit in one transaction, so a failure leaves no half-applied schema.
 */
export async function deployMigrations(db: SqlClient, files: MigrationFile[], options: DeployOptions = {}): Promise<DeployResult> {
  const log = options.log ?? (() => {});
  await db.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_KEY})`);
  try {
    await db.query(CREATE_MIGRATIONS_TABLE);
    const status = await migrationStatus(db, files);
    const failed = status.failed[0];
    if (failed) {
      throw new MigrationError(
        `Found a failed migration in the target database; no new migration will be applied (Prisma's P3009). ` +
          `The \`${failed.name}\` migration started at ${failed.startedAt.toISOString()} failed` +
          (failed.logs ? `: ${firstLine(failed.logs)}` : ".") +
          ` Fix the database, then mark it with \`prisma migrate resolve --rolled-back ${failed.name}\` (or --applied).`,
        "FAILED_MIGRATIONS",
        failed.name,
      );
    }
    for (const m of status.modified) log(`warning: ${m.name} was changed after it was applied (checksum mismatch); it is not run again.`);

    const byName = new Map(files.map((file) => [file.name, file]));
    const applied: string[] = [];
    for (const name of status.pending) {
      const file = byName.get(name) as MigrationFile;
      log(`Applying migration \`${name}\``);
      await applyOne(db, file);
      applied.push(name);
    }
    return { applied, modified: status.modified };
  } finally {
    await db.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_KEY})`).catch(() => {});
  }
}

async function applyOne(db: SqlClient, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  // The row goes in first and on its own, so a failure leaves Prisma's "failed migration" record.
  await db.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, started_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 0)`,
    [id, file.checksum, file.name],
  );
  try {
    await db.query("BEGIN");
    // One simple-protocol query: the script may hold many statements.
    await db.query(file.sql);
    await db.query(`UPDATE "_prisma_migrations" SET applied_steps_count = 1, finished_at = now() WHERE id = $1`, [id]);
    await db.query("COMMIT");
  } catch (error) {
    await db.query("ROLLBACK").catch(() => {});
    const message = describeSqlError(error);
    await db.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]).catch(() => {});
    throw new MigrationError(
      `Migration \`${file.name}\` failed and was rolled back; the schema is as it was before it. ${message}`,
      "MIGRATION_FAILED",
      file.name,
    );
  }
}

function describeSqlError(error: unknown): string {
  const e = error as { message?: string; code?: string; position?: string };
  const parts = [`Database error: ${e.message ?? String(error)}`];
  if (e.code) parts.push(`(SQLSTATE ${e.code})`);
  if (e.position) parts.push(`at character ${e.position}`);
  return parts.join(" ");
}

const firstLine = (text: string) => text.split("\n")[0] ?? text;
