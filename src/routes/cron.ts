import { createRoute } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { timingSafeEqual } from "hono/utils/buffer";
import type { AppEnv } from "../http/context.ts";
import { ApiError } from "../http/errors.ts";
import { JobNameParam, JobRunSchema, jobNamed, runFromRequest, schedulesOf } from "../http/job-run.ts";
import { createRouter, errors, jsonResponse } from "../http/openapi.ts";
import type { JobRuntime } from "../jobs/types.ts";

/**
 * Vercel's cron jobs: vercel.json's `crons` call GET /api/cron/<job> on their schedule and send
 * `Authorization: Bearer $CRON_SECRET`, compared in constant time; a missing, malformed or wrong
 * one is a 401, and so is every call while CRON_SECRET is unset (a deployment without a secret
 * runs no job for a stranger). The run is the one every scheduler
 * makes (lease, JobRun, alerts), with trigger schedule; GET, so the maintenance gate lets it
 * through, and the jobs decide for themselves what maintenance means (retention deletes nothing).
 */

const CHALLENGE = 'Bearer realm="cron"';
const BEARER = /^Bearer +(.+?) *$/i;

const refusal = (message: string) => new ApiError(401, "UNAUTHORIZED", message, undefined, { "WWW-Authenticate": CHALLENGE });

/**
 * Hono's own constant-time compare (the one its bearerAuth uses), without bearerAuth's token
 * grammar: a CRON_SECRET from a password generator may hold characters that grammar refuses,
 * and Vercel sends it as it is.
 */
const cronSecretAuth = createMiddleware<AppEnv>(async (c, next) => {
  const secret = c.var.config.CRON_SECRET;
  if (!secret) throw refusal("CRON_SECRET is not set: this deployment refuses every cron call");
  const header = c.req.header("authorization");
  if (!header) throw refusal("Cron calls need Authorization: Bearer <CRON_SECRET>");
  const token = BEARER.exec(header)?.[1];
  if (!token || !(await timingSafeEqual(secret, token))) throw refusal("Wrong cron secret");
  await next();
});

export const cronRoutes = (runtime: JobRuntime = {}) => {
  const router = createRouter();
  router.openAPIRegistry.registerComponent("securitySchemes", "CronSecret", {
    type: "http",
    scheme: "bearer",
    description: "CRON_SECRET, as Vercel sends it to its cron jobs.",
  });
  return router.openapi(
    createRoute({
      method: "get",
      path: "/{name}",
      tags: ["Cron"],
      summary: "Run a scheduled job now, as Vercel's cron does (Authorization: Bearer $CRON_SECRET)",
      description:
        "Answers the JobRun, whatever its outcome (a failed run is still a 200: it is the report). " +
        "A job not scheduled in this deployment (JOB_SCHEDULES off, or not this environment's job) is refused with 409 JOB_NOT_SCHEDULED; run it by hand with POST /api/v1/admin/jobs/{name}/run.",
      security: [{ CronSecret: [] }],
      middleware: [cronSecretAuth],
      request: { params: JobNameParam },
      responses: {
        200: jsonResponse(JobRunSchema, "The finished run"),
        400: errors[400],
        401: { ...errors[401], description: "No, a malformed or the wrong CRON_SECRET, or none is set" },
        404: errors[404],
        409: { ...errors[409], description: "JOB_NOT_SCHEDULED, or JOB_UNAVAILABLE: this runtime lacks what the job needs" },
        503: errors[503],
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const job = jobNamed(name);
      const scheduled = schedulesOf(c.var.config).find((entry) => entry.job.name === job.name);
      if (!scheduled?.schedule) {
        throw new ApiError(
          409,
          "JOB_NOT_SCHEDULED",
          `Job ${job.name} is not scheduled in this deployment (APP_ENV ${c.var.config.APP_ENV}, JOB_SCHEDULES); remove it from vercel.json's crons or run it with POST /api/v1/admin/jobs/${job.name}/run`,
        );
      }
      return c.json(await runFromRequest(c, runtime, job.name, "schedule"), 200);
    },
  );
};
