import { getMaintenance } from "../ops/maintenance.ts";
import { utcParam } from "./sql-time.ts";
import type { JobContext, JobDefinition, JobResult } from "./types.ts";

/**
 * The guide's Data Retention, for every table that grows without bound: resolved error logs,
 * performance metrics, expired sessions, soft-deleted notes and projects past their purge window,
 * old job runs. Each statement deletes one bounded batch, oldest first, chosen through the index
 * of the cutoff column, so no statement holds its row locks long; rows another transaction has
 * locked are skipped, never waited for. The job stops when its time budget runs out (`partial`)
 * and the next run carries on where the cutoffs say, which makes it idempotent: a row is deleted
 * only if it is past its cutoff when the batch runs, and a second run finds nothing to do.
 * While maintenance is on nothing is deleted: an incident is no time to destroy evidence.
 */

export interface RetentionRule {
  table: string;
  /** The condition a row must meet to go, with $1 the cutoff. */
  where: string;
  /** The indexed column batches are taken oldest first by. */
  orderBy: string;
  /** Days back from the run's start; 0: the present (expired sessions). */
  cutoffDays: (config: JobContext["config"]) => number;
}

/** Our own table and column names, quoted (none holds a quote). */
const col = (name: string) => `"${name}"`;

/** Order matters: notes before the projects they may belong to. */
export const RETENTION_RULES: readonly RetentionRule[] = [
  { table: "ErrorLog", where: `resolved AND ${col("lastSeenAt")} < ${utcParam(1)}`, orderBy: "lastSeenAt", cutoffDays: (c) => c.RETENTION_ERROR_LOG_DAYS },
  { table: "PerformanceMetric", where: `${col("timestamp")} < ${utcParam(1)}`, orderBy: "timestamp", cutoffDays: (c) => c.RETENTION_METRIC_DAYS },
  { table: "Session", where: `${col("expiresAt")} < ${utcParam(1)}`, orderBy: "expiresAt", cutoffDays: () => 0 },
  { table: "Note", where: `${col("deletedAt")} < ${utcParam(1)}`, orderBy: "deletedAt", cutoffDays: (c) => c.RETENTION_SOFT_DELETE_DAYS },
  { table: "Project", where: `${col("deletedAt")} < ${utcParam(1)}`, orderBy: "deletedAt", cutoffDays: (c) => c.RETENTION_SOFT_DELETE_DAYS },
  // A run in progress has no finishedAt and is never removed under its own feet.
  { table: "JobRun", where: `${col("finishedAt")} IS NOT NULL AND ${col("startedAt")} < ${utcParam(1)}`, orderBy: "startedAt", cutoffDays: (c) => c.RETENTION_JOB_RUN_DAYS },
];

const DAY_MS = 24 * 60 * 60 * 1000;

export function cutoffOf(rule: RetentionRule, ctx: Pick<JobContext, "config" | "startedAt">): Date {
  return new Date(ctx.startedAt.getTime() - rule.cutoffDays(ctx.config) * DAY_MS);
}

/**
 * One batch: the oldest `$2` rows past the cutoff that nobody holds, deleted in one statement.
 * The rows are deleted by their physical address (ctid, a TID scan), not found again through the
 * primary key: that saves an index descent per row, which was most of a batch's time (bench:
 * about 65,000 rows/s by id, about 140,000 by ctid, for 2,000-row batches of metrics). The address
 * is stable for the statement: the row is locked by it (FOR UPDATE), so nobody can update or
 * delete it in between, and VACUUM cannot reuse a slot this transaction might still see.
 */
export function batchStatement(rule: RetentionRule): string {
  const table = col(rule.table);
  return `WITH doomed AS (
    SELECT ctid FROM ${table} WHERE ${rule.where} ORDER BY ${col(rule.orderBy)} LIMIT $2 FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM doomed)) RETURNING 1
  ) SELECT count(*)::int AS n FROM gone`;
}

export async function runRetention(ctx: JobContext): Promise<JobResult> {
  const maintenance = await getMaintenance(ctx.sql);
  if (maintenance.enabled) return { outcome: "skipped", error: "maintenance is on: nothing is deleted until it is off", detail: { reason: "maintenance" } };

  const batchSize = ctx.config.RETENTION_BATCH_SIZE;
  const rows: Record<string, number> = {};
  const cutoffs: Record<string, string> = {};
  let batches = 0;
  let longestBatchMs = 0;
  for (const rule of RETENTION_RULES) {
    const cutoff = cutoffOf(rule, ctx);
    cutoffs[rule.table] = cutoff.toISOString();
    rows[rule.table] = 0;
    const statement = batchStatement(rule);
    for (;;) {
      if (ctx.budget.exhausted()) {
        return { outcome: "partial", rows, error: `the time budget of ${ctx.budget.ms} ms ran out in ${rule.table}; the next run carries on`, detail: { cutoffs, batches, longestBatchMs, batchSize, stoppedAt: rule.table } };
      }
      const began = Date.now();
      const { rows: result } = await ctx.sql.query<{ n: number }>(statement, [cutoff.toISOString(), batchSize]);
      longestBatchMs = Math.max(longestBatchMs, Date.now() - began);
      batches += 1;
      const deleted = Number(result[0]?.n ?? 0);
      rows[rule.table] = (rows[rule.table] ?? 0) + deleted;
      if (deleted < batchSize) break;
    }
  }
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  ctx.log(`deleted ${total} row(s) in ${batches} batch(es)`);
  return { outcome: "succeeded", rows, detail: { cutoffs, batches, longestBatchMs, batchSize } };
}

export const retentionJob: JobDefinition = {
  name: "retention",
  description: "Deletes rows past their retention: resolved error logs, metrics, expired sessions, purged soft deletes, old job runs.",
  schedule: "15 * * * *",
  needs: [],
  run: runRetention,
};
