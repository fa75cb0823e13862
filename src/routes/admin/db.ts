import { createRoute, z } from "@hono/zod-openapi";
import { adminOnly } from "../../auth/middleware.ts";
import { sqlClientOf } from "../../db/sql-client.ts";
import { createRouter, errors, jsonResponse } from "../../http/openapi.ts";
import { isoDate } from "../../http/serializers.ts";
import { connectionsReport } from "../../ops/reports/connections.ts";
import { SLOW_QUERIES_DEFAULT_LIMIT, SLOW_QUERIES_MAX_LIMIT, slowQueriesReport } from "../../ops/reports/slow-queries.ts";

/**
 * The guide's database reports for operators: who is connected, and which statements are slow.
 * They run through the request's own Prisma client (raw SQL on pg_catalog views), so they see
 * the database as the app does, through whatever pooler it uses.
 */

const ConnectionSchema = z
  .object({
    pid: z.number().int(),
    user: z.string().nullable(),
    application: z.string().nullable().openapi({ description: "The client's application_name" }),
    state: z.string().nullable().openapi({ description: "active, idle, idle in transaction, ...; null when not visible to this role or for a background process" }),
    queryStart: isoDate.nullable(),
    stateChange: isoDate.nullable(),
    backendStart: isoDate.nullable(),
    waitEvent: z.string().nullable().openapi({ description: "type: event, e.g. Lock: relation; null when not waiting" }),
    backendType: z.string().nullable(),
    current: z.boolean().openapi({ description: "The session this report ran in" }),
  })
  .openapi("DbConnection");

const ConnectionsSchema = z
  .object({
    database: z.string(),
    total: z.number().int(),
    maxConnections: z.number().int().openapi({ description: "The server's max_connections, shared by all its databases" }),
    byState: z.record(z.string(), z.number().int()).openapi({ description: "Sessions per state; unknown: a state this role may not see" }),
    connections: z.array(ConnectionSchema),
  })
  .openapi("DbConnections");

const SlowQuerySchema = z
  .object({
    query: z.string().openapi({ description: "Normalised statement text ($1 for constants), secrets masked, cut at 500 characters" }),
    calls: z.number(),
    meanMs: z.number(),
    totalMs: z.number(),
    rows: z.number(),
  })
  .openapi("SlowQuery");

const SlowQueriesSchema = z
  .discriminatedUnion("available", [
    z.object({ available: z.literal(true), database: z.string(), limit: z.number().int(), statements: z.array(SlowQuerySchema) }),
    z.object({
      available: z.literal(false),
      database: z.string(),
      reason: z.string(),
      howToEnable: z.array(z.string()).openapi({ description: "The steps that enable pg_stat_statements, in order" }),
    }),
  ])
  .openapi("SlowQueries");

const SlowQueriesQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(SLOW_QUERIES_MAX_LIMIT)
    .default(SLOW_QUERIES_DEFAULT_LIMIT)
    .openapi({ description: `How many statements, 1 to ${SLOW_QUERIES_MAX_LIMIT} (default ${SLOW_QUERIES_DEFAULT_LIMIT})` }),
});

const tags = ["Admin"];
const adminErrors = { 401: errors[401], 403: errors[403] };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const dbReportRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/connections",
      tags,
      summary: "This database's connections from pg_stat_activity, counted by state; never their query text (admin)",
      ...adminOnly,
      responses: { 200: jsonResponse(ConnectionsSchema, "The connections"), ...adminErrors, 503: errors[503] },
    }),
    async (c) => {
      const report = await connectionsReport(sqlClientOf(c.var.db));
      const connections = report.connections.map((row) => ({ ...row, queryStart: iso(row.queryStart), stateChange: iso(row.stateChange), backendStart: iso(row.backendStart) }));
      return c.json({ ...report, connections }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/slow-queries",
      tags,
      summary: "This database's statements with the highest mean time, from pg_stat_statements; without the extension, how to enable it (admin)",
      ...adminOnly,
      request: { query: SlowQueriesQuery },
      responses: { 200: jsonResponse(SlowQueriesSchema, "The slowest statements, or why there are none"), 400: errors[400], ...adminErrors, 503: errors[503] },
    }),
    async (c) => c.json(await slowQueriesReport(sqlClientOf(c.var.db), { limit: c.req.valid("query").limit }), 200),
  );
