import { createRoute, z } from "@hono/zod-openapi";
import { adminOnly } from "../../auth/middleware.ts";
import { createRouter, errors, jsonResponse } from "../../http/openapi.ts";

/**
 * Request telemetry per route over a recent window: how often each route was called, how often it
 * failed, and its latency percentiles, computed by PostgreSQL in one statement (percentile_cont,
 * the continuous percentile: interpolated between the two nearest durations).
 */
const MINUTES_PER_UNIT = { m: 1, h: 60, d: 24 * 60 } as const;
const MAX_WINDOW_MINUTES = 30 * 24 * 60;
const WINDOW = /^([1-9]\d{0,5})([mhd])$/;

const windowMinutes = (window: string): number => {
  const [, n, unit] = WINDOW.exec(window) ?? [];
  return Number(n) * MINUTES_PER_UNIT[unit as keyof typeof MINUTES_PER_UNIT];
};

const MetricsQuery = z.object({
  window: z
    .string()
    .regex(WINDOW, { message: "Window must be a whole number of minutes, hours or days: 15m, 24h, 7d", abort: true })
    .refine((w) => windowMinutes(w) <= MAX_WINDOW_MINUTES, { message: "Window must be at most 30d" })
    .default("24h")
    .openapi({ description: "How far back to look: <n>m, <n>h or <n>d, at most 30d", example: "24h" }),
});

const RouteMetricsSchema = z
  .object({
    route: z.string().openapi({ description: "The route pattern, e.g. /api/v1/notes/:id; (unmatched) for requests no route answered", example: "/api/v1/notes/:id" }),
    method: z.string().openapi({ example: "GET" }),
    count: z.number().int().openapi({ description: "Recorded requests in the window (a sample when METRICS_SAMPLE_RATE < 1)" }),
    errorRate: z.number().openapi({ description: "Share of those requests answered with a status of 500 or more (0 to 1); 4xx answers are not errors here" }),
    p50: z.number().openapi({ description: "Median duration in milliseconds (percentile_cont, not rounded)" }),
    p95: z.number().openapi({ description: "95th percentile duration in milliseconds (percentile_cont, not rounded)" }),
    p99: z.number().openapi({ description: "99th percentile duration in milliseconds (percentile_cont, not rounded)" }),
  })
  .openapi("RouteMetrics");

const MetricsSchema = z
  .object({
    window: z.string().openapi({ example: "24h" }),
    routes: z.array(RouteMetricsSchema).openapi({ description: "One entry per route and method, most requested first" }),
  })
  .openapi("Metrics");

interface Row {
  route: string;
  method: string;
  count: number;
  errorRate: number;
  percentiles: [number, number, number];
}

export const metricsRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Admin"],
    summary: "Request counts, error rates and latency percentiles per route over a recent window (admin)",
    ...adminOnly,
    request: { query: MetricsQuery },
    responses: { 200: jsonResponse(MetricsSchema, "Per-route request metrics"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const { window } = c.req.valid("query");
    // Prisma stores DateTime as UTC in a timestamp without time zone: compare with UTC's now.
    const rows = await c.var.db.$queryRaw<Row[]>`
      SELECT route, method, count(*)::int AS count,
             (count(*) FILTER (WHERE status >= 500))::float8 / count(*) AS "errorRate",
             percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[]) WITHIN GROUP (ORDER BY "durationMs") AS percentiles
        FROM "PerformanceMetric"
       WHERE "timestamp" >= (now() AT TIME ZONE 'UTC') - make_interval(mins => ${windowMinutes(window)}::int)
       GROUP BY route, method
       ORDER BY count DESC, route, method`;
    const routes = rows.map(({ percentiles: [p50, p95, p99], ...row }) => ({ ...row, p50, p95, p99 }));
    return c.json({ window, routes }, 200);
  },
);
