import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { sqlClientOf } from "../db/sql-client.ts";
import { findJob, JOB_NAMES, ScheduleError, schedules, type ScheduledJob } from "../jobs/registry.ts";
import { JobUnavailableError, runJob } from "../jobs/runner.ts";
import type { JobDeps, JobRunRecord, JobRuntime, Trigger } from "../jobs/types.ts";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";
import { isoDate } from "./serializers.ts";

/**
 * What the admin jobs routes and Vercel's cron route share: a JobRun as the API shows it, and a
 * run started by a request, over the request's own Prisma client, with whatever the runtime
 * offers jobs beyond the database.
 */

export const JobRunSchema = z
  .object({
    id: z.string(),
    job: z.string(),
    trigger: z.enum(["schedule", "http", "cli"]).openapi({ description: "schedule: a cron (Workers, Vercel, npm start); http: the admin API; cli: dbctl" }),
    startedAt: isoDate,
    finishedAt: isoDate.nullable().openapi({ description: "null while the run is in progress" }),
    outcome: z.enum(["succeeded", "failed", "skipped", "partial"]).nullable().openapi({
      description: "failed: the job could not do its work, or its check found a problem; skipped: another run held the job, or maintenance is on; partial: the time budget ran out and the next run carries on; null while in progress",
    }),
    rows: z.record(z.string(), z.number()).nullable().openapi({ description: "Rows affected per table" }),
    error: z.string().nullable().openapi({ description: "Why it failed or was skipped, one sentence" }),
    detail: z.record(z.string(), z.unknown()).nullable().openapi({ description: "What the job reports (cutoffs, batches, the backup it took, the alert it sent...)" }),
  })
  .openapi("JobRun");

export type JobRunBody = z.infer<typeof JobRunSchema>;

export function serializeRun(run: JobRunRecord): JobRunBody {
  return { ...run, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null };
}

export const JobNameParam = z.object({
  name: z.string().min(1).max(64).openapi({ param: { name: "name", in: "path" }, example: "retention" }),
});

/** Each job's schedule in this configuration; a JOB_SCHEDULES the registry cannot read is the deployment's mistake, said as such. */
export function schedulesOf(config: AppEnv["Variables"]["config"]): ScheduledJob[] {
  try {
    return schedules(config);
  } catch (error) {
    if (error instanceof ScheduleError) throw new ApiError(500, "MISCONFIGURED", error.message);
    throw error;
  }
}

export function jobDeps(c: Context<AppEnv>, runtime: JobRuntime): JobDeps {
  return { ...runtime, sql: sqlClientOf(c.var.db), config: c.var.config };
}

export function jobNamed(name: string) {
  const job = findJob(name);
  if (!job) throw new ApiError(404, "NOT_FOUND", `There is no job named ${name} (jobs: ${JOB_NAMES.join(", ")})`);
  return job;
}

/**
 * Runs the job now. Its outcome, failed included, is the run's report, never an HTTP error; a
 * job this runtime cannot run (no pg_dump, no recovery provider) is a 409 saying what it lacks,
 * and nothing is recorded.
 */
export async function runFromRequest(c: Context<AppEnv>, runtime: JobRuntime, name: string, trigger: Trigger): Promise<JobRunBody> {
  const job = jobNamed(name);
  try {
    return serializeRun(await runJob(job, jobDeps(c, runtime), { trigger }));
  } catch (error) {
    if (error instanceof JobUnavailableError) throw new ApiError(409, error.code, error.message, { missing: error.missing });
    throw error;
  }
}
