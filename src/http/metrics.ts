import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Db } from "../db/client.ts";
import type { AppEnv } from "./context.ts";
import { routePattern } from "./route-pattern.ts";

/**
 * Request telemetry: every sampled API request becomes one PerformanceMetric row (route pattern,
 * method, status, duration). Measuring costs the request nothing on the database: the metric is
 * handed to a sink after the response is built, and the sink writes it later (Node: a buffer
 * flushed in batches; Workers: ctx.waitUntil), so a read keeps its two-statement budget.
 */
export interface RequestMetric {
  /** The route pattern (`/api/v1/notes/:id`), never the path with its ids; UNMATCHED_ROUTE (route-pattern.ts) otherwise. */
  route: string;
  method: string;
  status: number;
  durationMs: number;
  /** When the request arrived. */
  timestamp: Date;
}

/** Takes a finished request's metric; it must not throw, and must not make the request wait. */
export type MetricsSink = (metric: RequestMetric, c: Context<AppEnv>) => void;

/**
 * Measures each request and hands its metric to the sink, for a share `sampleRate` of requests
 * (decided per request: 1 records all, 0 none). On Workers the clock only advances across I/O,
 * so a duration there is time spent waiting on the database and the network, not CPU time.
 */
export function requestMetrics(sink: MetricsSink, sampleRate: number, random: () => number = Math.random) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!(random() < sampleRate)) return next();
    const timestamp = new Date();
    const started = performance.now();
    await next();
    const metric = { route: routePattern(c), method: c.req.method, status: c.res.status, durationMs: performance.now() - started, timestamp };
    try {
      sink(metric, c);
    } catch {
      // Telemetry never fails a request; a sink that throws loses only its own metric.
    }
  });
}

/**
 * Writes metrics in one statement that also reads the maintenance switch: as for ErrorLog,
 * nothing is written while maintenance is on (a restore may be replacing this very database).
 * Written by hand because Prisma's query plan cache does not serve `createMany`: the query
 * compiler (WASM) ran for every batch, a pause on the event loop at every flush, after a separate
 * maintenance read (bench/analysis.md). The batch goes as one array per column; ids are UUIDs
 * made by PostgreSQL (the column is text, as JobRun's ids are).
 */
export async function writeMetrics(db: Db, metrics: readonly RequestMetric[]): Promise<number> {
  if (metrics.length === 0) return 0;
  // Timestamps as UTC ISO text into `timestamp(3)`, the column type Prisma gives a DateTime.
  const timestamps = metrics.map((m) => m.timestamp.toISOString());
  const routes = metrics.map((m) => m.route);
  const methods = metrics.map((m) => m.method);
  const statuses = metrics.map((m) => m.status);
  const durations = metrics.map((m) => m.durationMs);
  return db.$executeRaw`
    INSERT INTO "PerformanceMetric" (id, "timestamp", route, method, status, "durationMs")
    SELECT gen_random_uuid()::text, m.ts, m.route, m.method, m.status, m.duration
    FROM unnest(${timestamps}::timestamp(3)[], ${routes}::text[], ${methods}::text[], ${statuses}::int[], ${durations}::float8[])
      AS m(ts, route, method, status, duration)
    WHERE NOT EXISTS (SELECT 1 FROM "MaintenanceMode" WHERE id = 1 AND enabled)`;
}
