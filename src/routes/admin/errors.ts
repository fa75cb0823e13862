import { createRoute, z } from "@hono/zod-openapi";
import { adminOnly } from "../../auth/middleware.ts";
import type { ErrorLogWhereInput } from "../../generated/prisma/models.ts";
import { createRouter, errors, Id, IdParam, jsonResponse } from "../../http/openapi.ts";
import { cursorDate, keyset, PageQuery, pageOf } from "../../http/pagination.ts";
import { isoDate, serialize } from "../../http/serializers.ts";

const ErrorLogSchema = z
  .object({
    id: z.string(),
    timestamp: isoDate.openapi({ description: "When this kind of error was first seen" }),
    lastSeenAt: isoDate,
    count: z.number().int().openapi({ description: "How many times it happened" }),
    level: z.enum(["WARN", "ERROR", "FATAL"]),
    message: z.string(),
    route: z.string().nullable(),
    method: z.string().nullable(),
    status: z.number().int().nullable(),
    userId: z.string().nullable().openapi({ description: "The user of the latest occurrence" }),
    requestId: z.string().nullable().openapi({ description: "The request id of the latest occurrence" }),
    resolved: z.boolean(),
    resolvedAt: isoDate.nullable(),
  })
  .openapi("ErrorLog");

const select = {
  id: true,
  timestamp: true,
  lastSeenAt: true,
  count: true,
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

/** A moment in a filter: ISO text (an offset is allowed) PostgreSQL can compare with. */
const moment = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, { message: "Date out of range" })
    .optional()
    .openapi({ description, format: "date-time", example: "2026-11-25T08:30:00Z" });

const ListQuery = PageQuery.extend({
  resolved: z.enum(["true", "false"]).optional().openapi({ description: "Only resolved (true) or open (false) errors" }),
  route: z.string().min(1).max(500).optional().openapi({ description: "Only errors of this route pattern, exactly as recorded (e.g. /api/v1/notes/:id)" }),
  since: moment("Only errors last seen at or after this moment"),
  until: moment("Only errors last seen at or before this moment"),
}).refine((q) => !q.since || !q.until || q.since <= q.until, { message: "since must not be after until", path: ["since"] });

/** The list's filters as a where-input; the keyset's own condition is ANDed beside it. */
function filterOf(q: { resolved?: "true" | "false" | undefined; route?: string | undefined; since?: Date | undefined; until?: Date | undefined }): ErrorLogWhereInput {
  return {
    ...(q.resolved && { resolved: q.resolved === "true" }),
    ...(q.route !== undefined && { route: q.route }),
    ...((q.since || q.until) && { lastSeenAt: { ...(q.since && { gte: q.since }), ...(q.until && { lte: q.until }) } }),
  };
}

const lastSeenFirst = keyset<ErrorLogWhereInput, ["lastSeenAt", "id"]>(["lastSeenAt", "id"], z.tuple([cursorDate, Id]));

const tags = ["Admin"];
const adminErrors = { 401: errors[401], 403: errors[403] };

export const errorLogRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Recorded server errors, one row per kind, most recently seen first; filter by resolved, route and when last seen (admin)",
      ...adminOnly,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(ErrorLogSchema, "ErrorLogPage"), "A page of error logs"), 400: errors[400], ...adminErrors },
    }),
    async (c) => {
      const { cursor, limit, ...filters } = c.req.valid("query");
      const where = filterOf(filters);
      return c.json(await lastSeenFirst.fetch({ cursor, limit }, (q) => c.var.db.errorLog.findMany({ ...q, where: { AND: [where, q.where] }, select })), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/resolve",
      tags,
      summary: "Mark an error as resolved, so retention may remove it; a repeat reopens it (admin)",
      ...adminOnly,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ErrorLogSchema, "Resolved"), 400: errors[400], ...adminErrors, 404: errors[404] },
    }),
    async (c) => {
      const row = await c.var.db.errorLog.update({ where: { id: c.req.valid("param").id }, data: { resolved: true, resolvedAt: new Date() }, select });
      return c.json(serialize(row), 200);
    },
  );
