import type { SqlClient } from "../ops/sql.ts";
import { asDate, utcColumn, utcParam } from "./sql-time.ts";
import type { JobOutcome, JobRunRecord, Trigger } from "./types.ts";

/** JobRun rows: one per run, written when it starts and again when it ends. */

interface JobRunRow {
  id: string;
  job: string;
  trigger: string;
  startedAt: unknown;
  finishedAt: unknown;
  outcome: JobOutcome | null;
  rows: unknown;
  error: string | null;
  detail: unknown;
}

const COLUMNS = `id, job, "trigger", ${utcColumn(`"startedAt"`)} AS "startedAt", ${utcColumn(`"finishedAt"`)} AS "finishedAt", outcome::text AS outcome, "rows", error, detail`;

/** JSON columns come back parsed from node-postgres and, depending on the adapter, as text from Prisma. */
const json = <T>(value: unknown): T | null => (value == null ? null : ((typeof value === "string" ? JSON.parse(value) : value) as T));

function toRecord(row: JobRunRow): JobRunRecord {
  return {
    id: row.id,
    job: row.job,
    trigger: row.trigger as Trigger,
    startedAt: asDate(row.startedAt),
    finishedAt: row.finishedAt == null ? null : asDate(row.finishedAt),
    outcome: row.outcome,
    rows: json(row.rows),
    error: row.error,
    detail: json(row.detail),
  };
}

export async function insertRun(sql: SqlClient, run: Omit<JobRunRecord, "finishedAt" | "outcome" | "rows" | "error" | "detail">): Promise<void> {
  await sql.query(`INSERT INTO "JobRun" (id, job, "trigger", "startedAt") VALUES ($1, $2, $3, ${utcParam(4)})`, [run.id, run.job, run.trigger, run.startedAt.toISOString()]);
}

export async function finishRun(sql: SqlClient, id: string, end: Pick<JobRunRecord, "finishedAt" | "outcome" | "rows" | "error" | "detail">): Promise<JobRunRecord> {
  const { rows } = await sql.query<JobRunRow>(
    `UPDATE "JobRun" SET "finishedAt" = ${utcParam(2)}, outcome = $3::"JobOutcome", "rows" = $4::jsonb, error = $5, detail = $6::jsonb
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, end.finishedAt?.toISOString() ?? null, end.outcome, end.rows && JSON.stringify(end.rows), end.error, end.detail && JSON.stringify(end.detail)],
  );
  return toRecord(rows[0] as JobRunRow);
}

/** A run that never started (the job was busy): written in one statement, finished at once. */
export async function insertFinishedRun(sql: SqlClient, run: JobRunRecord): Promise<JobRunRecord> {
  const { rows } = await sql.query<JobRunRow>(
    `INSERT INTO "JobRun" (id, job, "trigger", "startedAt", "finishedAt", outcome, "rows", error, detail)
     VALUES ($1, $2, $3, ${utcParam(4)}, ${utcParam(5)}, $6::"JobOutcome", $7::jsonb, $8, $9::jsonb) RETURNING ${COLUMNS}`,
    [run.id, run.job, run.trigger, run.startedAt.toISOString(), (run.finishedAt ?? run.startedAt).toISOString(), run.outcome, run.rows && JSON.stringify(run.rows), run.error, run.detail && JSON.stringify(run.detail)],
  );
  return toRecord(rows[0] as JobRunRow);
}

/** Whether the job's last finished run (skipped ones aside) before `exceptId` had failed; undefined when it never ran. */
export async function previousHealth(sql: SqlClient, job: string, exceptId: string): Promise<"failing" | "ok" | undefined> {
  const { rows } = await sql.query<{ outcome: JobOutcome }>(
    `SELECT outcome::text AS outcome FROM "JobRun"
     WHERE job = $1 AND id <> $2 AND outcome IS NOT NULL AND outcome <> 'skipped'
     ORDER BY "startedAt" DESC, "finishedAt" DESC LIMIT 1`,
    [job, exceptId],
  );
  const outcome = rows[0]?.outcome;
  return outcome === undefined ? undefined : outcome === "failed" ? "failing" : "ok";
}

export interface HistoryQuery {
  job?: string;
  limit?: number;
}

/** Runs newest first. */
export async function listRuns(sql: SqlClient, query: HistoryQuery = {}): Promise<JobRunRecord[]> {
  const limit = Math.min(Math.max(query.limit ?? 20, 1), 500);
  const { rows } = query.job
    ? await sql.query<JobRunRow>(`SELECT ${COLUMNS} FROM "JobRun" WHERE job = $1 ORDER BY "startedAt" DESC, id LIMIT $2`, [query.job, limit])
    : await sql.query<JobRunRow>(`SELECT ${COLUMNS} FROM "JobRun" ORDER BY "startedAt" DESC, id LIMIT $1`, [limit]);
  return rows.map(toRecord);
}

/** Each job's newest run, by name. */
export async function latestRuns(sql: SqlClient): Promise<Map<string, JobRunRecord>> {
  const { rows } = await sql.query<JobRunRow>(`SELECT DISTINCT ON (job) ${COLUMNS} FROM "JobRun" ORDER BY job, "startedAt" DESC`);
  return new Map(rows.map((row) => [row.job, toRecord(row)]));
}
