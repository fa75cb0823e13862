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
 * each request gets its own Prisma Client (node-postgres to Hyperdrive or over Workers' TCP
 * sockets, Neon's WebSocket pool, or Accelerate's HTTP), closed after the response through waitUntil.
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

/** Where this Worker's database is: its Hyperdrive binding, or DATABASE_URL. */
interface Database {
  url: string;
  /** Set for Hyperdrive: it speaks the Postgres protocol to node-postgres, whatever DATABASE_DRIVER says. */
  driver?: "pg";
}

/**
 * wrangler.toml's [[hyperdrive]] binding wins, unless DATABASE_DRIVER asks for Neon's driver or
 * Accelerate, which take DATABASE_URL. Hyperdrive pools in transaction mode and resets whatever a
 * session SET when it takes a connection back (developers.cloudflare.com/hyperdrive/concepts/
 * connection-pooling), so its URL is marked pooled (`pgbouncer=true`, stripped before node-postgres
 * sees it): no startup settings, the role's limits and the client's timeouts bound each call.
 */
function databaseOf(env: Record<string, unknown>, settings: Env): Database | undefined {
  const hyperdrive = (env.HYPERDRIVE as { connectionString?: unknown } | undefined)?.connectionString;
  if (typeof hyperdrive === "string" && (settings.DATABASE_DRIVER === "auto" || settings.DATABASE_DRIVER === "pg")) {
    const url = new URL(hyperdrive);
    url.searchParams.set("pgbouncer", "true");
    return { url: url.toString(), driver: "pg" };
  }
  return settings.DATABASE_URL ? { url: settings.DATABASE_URL } : undefined;
}

const NO_DATABASE = "No database for this Worker: bind HYPERDRIVE (wrangler.toml's [[hyperdrive]]) or set DATABASE_URL";

/** The workerd client is the same client built for another runtime; its types differ only by the path of the generated module they come from. */
function openDb(settings: Env, database: Database): Db {
  const options = { ...dbOptions(settings, database.url), poolMax: 1, ...(database.driver && { driver: database.driver }) };
  return createDb(PrismaClient as unknown as Parameters<typeof createDb>[0], options);
}

/**
 * The jobs of one cron trigger, one after another on one client of their own. Nobody waits for
 * the answer: each run is logged; a job this Worker cannot run is logged and passed over, and a
 * run that could not be recorded (the database is down) fails the trigger after the others ran.
 */
async function runScheduled(jobs: JobDefinition[], settings: Env, database: Database): Promise<void> {
  const db = openDb(settings, database);
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
    const database = databaseOf(env, config);
    if (!database) return Response.json(errorBody("MISCONFIGURED", NO_DATABASE), { status: 500 });
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
    const db = openDb(config, database);
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
    const database = databaseOf(env, config);
    if (!database) throw new Error(`${NO_DATABASE}: no job ran`);
    const jobs = jobsForCron(controller.cron, config);
    if (jobs.length === 0) {
      console.warn(`[cron] "${controller.cron}" matches no job scheduled in ${config.APP_ENV} (see JOB_SCHEDULES and wrangler.toml's crons)`);
      return;
    }
    ctx.waitUntil(runScheduled(jobs, config, database));
  },
};
