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
 * Writes metrics in one INSERT, after checking the maintenance switch: as for ErrorLog, nothing
 * is written while maintenance is on (a restore may be replacing this very database).
 */
export async function writeMetrics(db: Db, metrics: readonly RequestMetric[]): Promise<number> {
  if (metrics.length === 0) return 0;
  const maintenance = await db.maintenanceMode.findUnique({ where: { id: 1 }, select: { enabled: true } });
  if (maintenance?.enabled) return 0;
  const { count } = await db.performanceMetric.createMany({ data: metrics.map(({ route, method, status, durationMs, timestamp }) => ({ route, method, status, durationMs, timestamp })) });
  return count;
}
