import type { SqlClient } from "../ops/sql.ts";
import { asDate, DB_NOW } from "./sql-time.ts";

/**
 * One run at a time per job, through a transaction-mode pooler too: the lease is a row taken by
 * one INSERT ... ON CONFLICT DO UPDATE that only overwrites an expired lease, and released by one
 * DELETE naming its run. No statement depends on the session it ran in (session advisory locks
 * do: on PgBouncer's transaction mode the next statement may run on another server connection),
 * and no transaction stays open while the job works. Expiry uses the database's clock, the one
 * clock every runner shares.
 */

export type LeaseAttempt = { acquired: true } | { acquired: false; heldBy: string; until: Date | undefined };

export async function acquireLease(sql: SqlClient, job: string, runId: string, leaseMs: number): Promise<LeaseAttempt> {
  const { rows } = await sql.query<{ runId: string }>(
    `INSERT INTO "JobLease" AS lease (job, "runId", "acquiredAt", "expiresAt")
     VALUES ($1, $2, ${DB_NOW}, ${DB_NOW} + $3::int * interval '1 millisecond')
     ON CONFLICT (job) DO UPDATE SET "runId" = EXCLUDED."runId", "acquiredAt" = EXCLUDED."acquiredAt", "expiresAt" = EXCLUDED."expiresAt"
     WHERE lease."expiresAt" <= ${DB_NOW}
     RETURNING "runId"`,
    [job, runId, Math.ceil(leaseMs)],
  );
  if (rows[0]?.runId === runId) return { acquired: true };
  const holder = await sql.query<{ runId: string; until: unknown }>(
    `SELECT "runId", ("expiresAt" AT TIME ZONE 'UTC') AS until FROM "JobLease" WHERE job = $1`,
    [job],
  );
  const row = holder.rows[0];
  return { acquired: false, heldBy: row?.runId ?? "another run", until: row ? asDate(row.until) : undefined };
}

/** Frees the lease if this run still holds it (an expired one may have been taken over). */
export async function releaseLease(sql: SqlClient, job: string, runId: string): Promise<void> {
  await sql.query(`DELETE FROM "JobLease" WHERE job = $1 AND "runId" = $2`, [job, runId]);
}
