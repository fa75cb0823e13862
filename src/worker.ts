import type { ExecutionContext, ScheduledController } from "@cloudflare/workers-types";
import type { Context } from "hono";
import { createApp, type App } from "./app.ts";
import { createDb, dbOptions, type Db } from "./db/client.ts";
import { sqlClientOf } from "./db/sql-client.ts";
import { ConfigError, loadEnv, type Env } from "./env.ts";
import { PrismaClient } from "./generated/prisma-workerd/client.ts";
import type { AppEnv } from "./http/context.ts";
import { errorBody } from "./http/errors.ts";
import { writeMetrics } from "./http/metrics.ts";
import type { RateLimitBinding } from "./http/rate-limit.ts";
import { jobsForCron } from "./jobs/registry.ts";
import { JobUnavailableError, runJob } from "./jobs/runner.ts";
import type { JobDefinition, JobRuntime } from "./jobs/types.ts";

/**
 * Cloudflare Workers entry. A Worker may not reuse a connection opened by another request, so
 * each request gets its own Prisma Client (Neon's WebSocket pool, node-postgres over Workers' TCP
 * sockets, or Accelerate's HTTP), closed after the response through waitUntil.
 */
interface RequestBindings {
  db: Db;
  /** Writes after the response (ErrorLog, the request's metric): the client is closed once they settle. */
  after: Promise<unknown>[];
}

let app: App | undefined;
let config: Env | undefined;

/** What jobs get on a Worker beyond the database: no pg_dump, and no recovery provider yet (Neon's API on Workers is issue 10's). */
const workerJobs: JobRuntime = { log: (line) => console.log(line) };

/** The workerd client is the same client built for another runtime; its types differ only by the path of the generated module they come from. */
function openDb(settings: Env, url: string): Db {
  return createDb(PrismaClient as unknown as Parameters<typeof createDb>[0], { ...dbOptions(settings, url), poolMax: 1 });
}

/**
 * The jobs of one cron trigger, one after another on one client of their own. Nobody waits for
 * the answer: each run is logged; a job this Worker cannot run is logged and passed over, and a
 * run that could not be recorded (the database is down) fails the trigger after the others ran.
 */
async function runScheduled(jobs: JobDefinition[], settings: Env, url: string): Promise<void> {
  const db = openDb(settings, url);
  const deps = { ...workerJobs, sql: sqlClientOf(db), config: settings };
  let failure: unknown;
  try {
    for (const job of jobs) {
      try {
        const run = await runJob(job, deps, { trigger: "schedule" });
        console.log(`[cron] ${job.name}: ${run.outcome}${run.rows ? ` ${JSON.stringify(run.rows)}` : ""}${run.error ? `: ${run.error}` : ""} (run ${run.id})`);
      } catch (error) {
        if (error instanceof JobUnavailableError) {
          console.warn(`[cron] ${job.name}: not run: ${error.message}`);
          continue;
        }
        console.error(`[cron] ${job.name}: could not run: ${(error as Error).message}`);
        failure ??= error;
      }
    }
  } finally {
    await db.$disconnect();
  }
  if (failure) throw failure;
}

/** A Cloudflare Rate Limiting binding from wrangler.toml's [[ratelimits]], when the Worker has it. */
function rateLimitBinding(value: unknown): RateLimitBinding | undefined {
  return typeof (value as RateLimitBinding | undefined)?.limit === "function" ? (value as RateLimitBinding) : undefined;
}

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    try {
      config ??= loadEnv(env);
    } catch (error) {
      if (error instanceof ConfigError) return Response.json(errorBody("MISCONFIGURED", error.message), { status: 500 });
      throw error;
    }
    if (!config.DATABASE_URL) {
      return Response.json(errorBody("MISCONFIGURED", "DATABASE_URL is not set for this Worker"), { status: 500 });
    }
    app ??= createApp({
      config,
      db: (c: Context<AppEnv>) => (c.env as RequestBindings).db,
      background: (c, work) => void (c.env as RequestBindings).after.push(work),
      metrics: (metric, c) => {
        const { db, after } = c.env as RequestBindings;
        after.push(writeMetrics(db, [metric]).catch(() => {}));
      },
      clientAddress: (c) => c.req.header("cf-connecting-ip"),
      jobs: workerJobs,
      rateLimits: { account: rateLimitBinding(env.AUTH_ACCOUNT_LIMITER), address: rateLimitBinding(env.AUTH_ADDRESS_LIMITER) },
    });
    const db = openDb(config, config.DATABASE_URL);
    const after: Promise<unknown>[] = [];
    try {
      return await app.fetch(request, { db, after } satisfies RequestBindings, ctx);
    } finally {
      ctx.waitUntil(Promise.allSettled(after).then(() => db.$disconnect()));
    }
  },

  /** Cron Triggers (wrangler.toml's [triggers] crons): the jobs the registry schedules at this expression here. */
  async scheduled(controller: ScheduledController, env: Record<string, unknown>, ctx: ExecutionContext): Promise<void> {
    // A bad configuration throws: the trigger's log shows the variable's name.
    config ??= loadEnv(env);
    if (!config.DATABASE_URL) throw new Error("DATABASE_URL is not set for this Worker: no job ran");
    const jobs = jobsForCron(controller.cron, config);
    if (jobs.length === 0) {
      console.warn(`[cron] "${controller.cron}" matches no job scheduled in ${config.APP_ENV} (see JOB_SCHEDULES and wrangler.toml's crons)`);
      return;
    }
    ctx.waitUntil(runScheduled(jobs, config, config.DATABASE_URL));
  },
};
