import { waitUntil as vercelWaitUntil } from "@vercel/functions";
import type { Context } from "hono";
import { Hono } from "hono";
import WebSocket from "ws";
import { createApp } from "./app.ts";
import { createDb, dbOptions, type Db } from "./db/client.ts";
import { ConfigError, loadEnv } from "./env.ts";
import { PrismaClient } from "./generated/prisma/client.ts";
import type { AppEnv } from "./http/context.ts";
import { errorBody } from "./http/errors.ts";
import { createMetricBuffer, type MetricBuffer } from "./http/metric-buffer.ts";
import type { JobRuntime } from "./jobs/types.ts";

/**
 * The API as a Vercel Function (Node runtime on Fluid compute), built once per instance by
 * src/index.ts. Fluid compute sends many requests, some at once, to one instance, so the instance
 * keeps one Prisma Client with a pool of DB_POOL_MAX connections, as npm start does (not one
 * client per request, as a Worker must). Work after the response (ErrorLog rows, request metrics)
 * is handed to Vercel's waitUntil, which keeps the instance alive until it settles.
 */

/** What the platform offers; tests pass their own waitUntil to await the work after a response. */
export interface VercelPlatform {
  waitUntil(work: Promise<unknown>): void;
}

export interface VercelApp {
  app: Hono<AppEnv>;
  /** The instance's client and metric buffer; none when the configuration was refused. */
  db?: Db;
  metrics?: MetricBuffer;
}

/**
 * What jobs get on Vercel beyond the database: no pg_dump and no file system to keep backups or
 * a WAL archive in, so only the jobs that need nothing else (retention) run; the cron route
 * answers 409 JOB_UNAVAILABLE for the others.
 */
export const vercelJobs: JobRuntime = { log: (line) => console.log(line) };

/**
 * Vercel overwrites X-Forwarded-For with the client's public address and forwards none a client
 * sent (vercel.com/docs/headers/request-headers: "to prevent IP spoofing"); X-Real-IP holds the
 * same address. The first entry is taken, in case a proxy in front appended its own.
 */
export function vercelClientAddress(c: Context<AppEnv>): string | undefined {
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || c.req.header("x-real-ip")?.trim() || undefined;
}

/** Every request answers 500 MISCONFIGURED, naming the variable, instead of a crash per request. */
function misconfigured(message: string): VercelApp {
  const app = new Hono<AppEnv>();
  app.all("*", (c) => c.json(errorBody("MISCONFIGURED", message), 500));
  return { app };
}

export function createVercelApp(env: Record<string, string | undefined>, platform: VercelPlatform = { waitUntil: vercelWaitUntil }): VercelApp {
  let config;
  try {
    config = loadEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return misconfigured(error.message);
    throw error;
  }
  if (!config.DATABASE_URL) return misconfigured("DATABASE_URL is not set for this deployment (Neon's pooled URL)");

  // Node 20 has no global WebSocket, which Neon's serverless driver needs (later Nodes have one).
  const db = createDb(PrismaClient, { ...dbOptions(config, config.DATABASE_URL), webSocketConstructor: WebSocket });
  // Metrics of requests served at once share a batch; waitUntil holds the instance until it is written.
  const metrics = createMetricBuffer(db, { log: (line) => console.error(line) });
  const app = createApp({
    config,
    db: () => db,
    background: (_c, work) => platform.waitUntil(work),
    metrics: (metric) => {
      metrics.record(metric);
      platform.waitUntil(metrics.flush());
    },
    clientAddress: vercelClientAddress,
    jobs: vercelJobs,
  });
  return { app, db, metrics };
}
