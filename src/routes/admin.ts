import { createRoute, z } from "@hono/zod-openapi";
import { requireAdmin, requireAuth } from "../auth/middleware.ts";
import { orNotFound } from "../http/errors.ts";
import { bearer, createRouter, errors, IdParam, jsonResponse } from "../http/openapi.ts";
import { cursorDate, decodeCursor, PageQuery, pageOf, paginate } from "./pagination.ts";
import { serialize } from "./serializers.ts";

const ErrorLogSchema = z
  .object({
    id: z.string(),
    timestamp: z.string(),
    level: z.enum(["WARN", "ERROR", "FATAL"]),
    message: z.string(),
    route: z.string().nullable(),
    method: z.string().nullable(),
    status: z.number().int().nullable(),
    userId: z.string().nullable(),
    requestId: z.string().nullable(),
    resolved: z.boolean(),
    resolvedAt: z.string().nullable(),
  })
  .openapi("ErrorLog");

const select = {
  id: true,
  timestamp: true,
  level: true,
  message: true,
  route: true,
  method: true,
  status: true,
  userId: true,
  requestId: true,
  resolved: true,
  resolvedAt: true,
} as const;

const ListQuery = PageQuery.extend({
  resolved: z.enum(["true", "false"]).optional().openapi({ description: "Only resolved (true) or open (false) errors" }),
});
const Key = z.tuple([cursorDate, z.string()]);

const tags = ["Admin"];
const admin = { security: bearer, middleware: [requireAuth, requireAdmin] };
const adminErrors = { 401: errors[401], 403: errors[403] };

export const adminRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/error-logs",
      tags,
      summary: "Recorded server errors, newest first (admin)",
      ...admin,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(ErrorLogSchema, "ErrorLogPage"), "A page of error logs"), 400: errors[400], ...adminErrors },
    }),
    async (c) => {
      const { cursor, limit, resolved } = c.req.valid("query");
      const key = cursor ? decodeCursor(cursor, Key) : undefined;
      const rows = await c.var.db.errorLog.findMany({
        where: {
          ...(resolved && { resolved: resolved === "true" }),
          ...(key && { OR: [{ timestamp: { lt: key[0] } }, { timestamp: key[0], id: { lt: key[1] } }] }),
        },
        orderBy: [{ timestamp: "desc" }, { id: "desc" }],
        take: limit + 1,
        select,
      });
      const page = paginate(rows, limit, (row) => [row.timestamp.toISOString(), row.id]);
      return c.json({ items: page.items.map(serialize), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/error-logs/{id}/resolve",
      tags,
      summary: "Mark an error as resolved, so retention may remove it (admin)",
      ...admin,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ErrorLogSchema, "Resolved"), ...adminErrors, 404: errors[404] },
    }),
    async (c) => {
      const row = await orNotFound(
        c.var.db.errorLog.update({ where: { id: c.req.valid("param").id }, data: { resolved: true, resolvedAt: new Date() }, select }),
        "Error log",
      );
      return c.json(serialize(row), 200);
    },
  );
