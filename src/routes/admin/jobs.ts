import { createRoute, z } from "@hono/zod-openapi";
import { adminOnly } from "../../auth/middleware.ts";
import { sqlClientOf } from "../../db/sql-client.ts";
import { JobNameParam, JobRunSchema, runFromRequest, schedulesOf, serializeRun } from "../../http/job-run.ts";
import { createRouter, errors, jsonResponse } from "../../http/openapi.ts";
import { latestRuns, listRuns } from "../../jobs/history.ts";
import { JOB_NAMES } from "../../jobs/registry.ts";
import { unmetNeeds } from "../../jobs/runner.ts";
import type { JobRuntime } from "../../jobs/types.ts";

/**
 * The scheduled jobs for operators: each job's schedule in this deployment, whether this runtime
 * can run it, its last run, and the recent runs; and a way to run one now. A run started here is
 * the same run a cron starts (one lease per job, one JobRun, the same alerts), only its trigger
 * says http.
 */

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;

const JobSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schedule: z.string().nullable().openapi({ description: "Cron (UTC) in this deployment's configuration; null: not scheduled here (JOB_SCHEDULES off, or not this environment's job), it can still be run by hand" }),
    runnable: z.boolean().openapi({ description: "Whether this runtime has what the job needs" }),
    needs: z.string().nullable().openapi({ description: "What the job needs that this runtime lacks, in words; null when runnable" }),
    lastRun: JobRunSchema.nullable(),
  })
  .openapi("Job");

const JobsSchema = z.object({ jobs: z.array(JobSchema), runs: z.array(JobRunSchema).openapi({ description: "Recent runs, newest first" }) }).openapi("Jobs");

const ListQuery = z.object({
  job: z.enum(JOB_NAMES as [string, ...string[]]).optional().openapi({ description: "Only this job's runs" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .openapi({ description: `How many runs, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})` }),
});

const tags = ["Admin"];
const adminErrors = { 401: errors[401], 403: errors[403] };

export const jobRoutes = (runtime: JobRuntime = {}) =>
  createRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        tags,
        summary: "Every job with its schedule here, whether this runtime can run it and its last run; and the recent runs (admin)",
        ...adminOnly,
        request: { query: ListQuery },
        responses: { 200: jsonResponse(JobsSchema, "The jobs and their recent runs"), 400: errors[400], ...adminErrors, 503: errors[503] },
      }),
      async (c) => {
        const { job, limit } = c.req.valid("query");
        const sql = sqlClientOf(c.var.db);
        const [latest, runs] = await Promise.all([latestRuns(sql), listRuns(sql, { ...(job && { job }), limit })]);
        const jobs = schedulesOf(c.var.config).map(({ job: definition, schedule }) => {
          const unmet = unmetNeeds(definition, runtime);
          const last = latest.get(definition.name);
          return {
            name: definition.name,
            description: definition.description,
            schedule,
            runnable: !unmet,
            needs: unmet?.needs ?? null,
            lastRun: last ? serializeRun(last) : null,
          };
        });
        return c.json({ jobs, runs: runs.map(serializeRun) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/{name}/run",
        tags,
        summary: "Run a job now and answer its JobRun, whatever its outcome (admin)",
        description:
          "The run is the same as a scheduled one (one at a time per job: a run while another holds the job is recorded as skipped), with trigger http. " +
          "A failed, partial or skipped run is still a 200: the JobRun is the report. It runs while maintenance is on too (a backup or a check is wanted most then); retention and the archive prune see maintenance and delete nothing.",
        ...adminOnly,
        request: { params: JobNameParam },
        responses: {
          200: jsonResponse(JobRunSchema, "The finished run"),
          400: errors[400],
          ...adminErrors,
          404: errors[404],
          409: { ...errors[409], description: "JOB_UNAVAILABLE: this runtime lacks what the job needs (pg_dump, a recovery provider, the direct URL)" },
          503: errors[503],
        },
      }),
      async (c) => c.json(await runFromRequest(c, runtime, c.req.valid("param").name, "http"), 200),
    );
