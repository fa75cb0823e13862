import type { SqlClient } from "../sql.ts";

/**
 * `_prisma_migrations`, byte for byte as Prisma Migrate creates and writes it, so that
 * `prisma migrate status` and `dbctl migrate status` read the same history.
 */
export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Prisma Migrate's advisory lock key: holding it keeps Prisma and dbctl from running at once. */
export const MIGRATE_LOCK_KEY = 72707369;

const LOCK_POLL_MS = 100;

/**
 * Runs `work` holding Prisma's migration lock, waiting for another deploy, rollback or reset to
 * finish first. It asks with pg_try_advisory_lock between pauses instead of blocking inside
 * pg_advisory_lock: a session blocked inside a statement holds a snapshot, and the deploy that
 * holds the lock builds its CREATE INDEX CONCURRENTLY only after every older snapshot is gone,
 * so it would wait for the waiter that waits for it, a deadlock PostgreSQL ends by failing one.
 */
export async function withMigrateLock<T>(db: SqlClient, work: () => Promise<T>): Promise<T> {
  for (;;) {
    const { rows } = await db.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${MIGRATE_LOCK_KEY}) AS locked`);
    if (rows[0]?.locked) break;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    return await work();
  } finally {
    await db.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_KEY})`).catch(() => {});
  }
}

export interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

export async function historyTableExists(db: SqlClient): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`,
  );
  return rows[0]?.exists === true;
}

export async function readHistory(db: SqlClient): Promise<MigrationRow[]> {
  if (!(await historyTableExists(db))) return [];
  const { rows } = await db.query<MigrationRow>(
    `SELECT * FROM "_prisma_migrations" ORDER BY started_at ASC, migration_name ASC`,
  );
  return rows;
}

/** Prisma's definition: started, never finished, never rolled back. */
export const isFailed = (row: MigrationRow) => row.finished_at === null && row.rolled_back_at === null;
/** Prisma's definition: a row with this name that was not rolled back. */
export const isApplied = (row: MigrationRow) => row.rolled_back_at === null;
