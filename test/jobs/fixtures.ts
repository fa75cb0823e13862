import { loadEnv, type Env } from "../../src/env.ts";
import type { Clock } from "../../src/jobs/types.ts";
import type { SqlClient } from "../../src/ops/sql.ts";

/** What the job tests share: a moved clock, configuration, and rows of a known age. */

export const DAY = 24 * 60 * 60 * 1000;

/** Far from the real present, so nothing but the jobs' clock can make these rows old. */
export const T = new Date("2031-03-01T12:00:00.000Z");

export const at = (offsetMs: number) => new Date(T.getTime() + offsetMs);

export function fixedClock(now: Date = T): Clock {
  return { now: () => new Date(now) };
}

/** A clock that moves on by `stepMs` each time it is read: a run's time budget runs out after a known number of reads. */
export function steppingClock(start: Date, stepMs: number): Clock {
  let reads = 0;
  return { now: () => new Date(start.getTime() + stepMs * reads++) };
}

export function jobConfig(overrides: Record<string, string> = {}): Env {
  return loadEnv({ APP_ENV: "test", ...overrides });
}

const utc = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;

export async function insertUser(sql: SqlClient, id: string): Promise<string> {
  await sql.query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ($1, $2, 'x', now())`, [id, `${id}@example.com`]);
  return id;
}

export async function insertErrorLog(sql: SqlClient, id: string, lastSeenAt: Date, resolved: boolean) {
  await sql.query(
    `INSERT INTO "ErrorLog" (id, fingerprint, "timestamp", "lastSeenAt", message, resolved) VALUES ($1, $1, ${utc(2)}, ${utc(2)}, 'boom', $3)`,
    [id, lastSeenAt.toISOString(), resolved],
  );
}

export async function insertMetric(sql: SqlClient, id: string, timestamp: Date) {
  await sql.query(`INSERT INTO "PerformanceMetric" (id, "timestamp", route, method, status, "durationMs") VALUES ($1, ${utc(2)}, '/api/v1/notes', 'GET', 200, 1)`, [id, timestamp.toISOString()]);
}

export async function insertSession(sql: SqlClient, id: string, userId: string, expiresAt: Date) {
  await sql.query(`INSERT INTO "Session" (id, "userId", "tokenHash", "expiresAt") VALUES ($1, $2, $1, ${utc(3)})`, [id, userId, expiresAt.toISOString()]);
}

export async function insertProject(sql: SqlClient, id: string, userId: string, deletedAt: Date | null) {
  await sql.query(`INSERT INTO "Project" (id, "userId", name, "deletedAt", "updatedAt") VALUES ($1, $2, $1, ${utc(3)}, now())`, [id, userId, deletedAt?.toISOString() ?? null]);
}

export async function insertNote(sql: SqlClient, id: string, userId: string, deletedAt: Date | null, projectId: string | null = null) {
  await sql.query(`INSERT INTO "Note" (id, "userId", "projectId", title, "deletedAt", "updatedAt") VALUES ($1, $2, $3, $1, ${utc(4)}, now())`, [id, userId, projectId, deletedAt?.toISOString() ?? null]);
}

export async function insertJobRun(sql: SqlClient, id: string, startedAt: Date, finished: boolean) {
  await sql.query(
    `INSERT INTO "JobRun" (id, job, "trigger", "startedAt", "finishedAt", outcome) VALUES ($1, 'retention', 'schedule', ${utc(2)}, CASE WHEN $3 THEN ${utc(2)} END, CASE WHEN $3 THEN 'succeeded'::"JobOutcome" END)`,
    [id, startedAt.toISOString(), finished],
  );
}

/** The ids left in each table the retention job looks after. */
export async function remaining(sql: SqlClient): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ["ErrorLog", "PerformanceMetric", "Session", "Note", "Project", "JobRun"]) {
    const { rows } = await sql.query<{ id: string }>(`SELECT id FROM "${table}" ORDER BY id`);
    out[table] = rows.map((r) => r.id);
  }
  return out;
}
