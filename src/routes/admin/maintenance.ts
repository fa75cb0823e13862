import { createRoute, z } from "@hono/zod-openapi";
import { adminOnly } from "../../auth/middleware.ts";
import { createRouter, errors, jsonBody, jsonResponse } from "../../http/openapi.ts";
import { isoDate } from "../../http/serializers.ts";

/**
 * The disaster recovery plan's switch over HTTP, the same row `dbctl maintenance on|off` flips
 * and the maintenance gate reads: while it is on, API writes answer 503 and reads keep working.
 * Turning it off is a write made during maintenance, so the gate lets exactly PUT on this path
 * through (see http/maintenance.ts).
 */

const MaintenanceSchema = z
  .object({
    enabled: z.boolean(),
    message: z.string().nullable().openapi({ description: "What API clients are told while it is on" }),
    updatedAt: isoDate.nullable().openapi({ description: "When it was last switched; null if never" }),
  })
  .openapi("Maintenance");

const SetMaintenance = z
  .object({
    enabled: z.boolean(),
    message: z.string().trim().min(1).max(500).optional().openapi({ description: "What API clients are told while it is on (default: a generic sentence)" }),
  })
  .refine((body) => body.enabled || body.message === undefined, { message: "A message is only shown while maintenance is on", path: ["message"] })
  .openapi("SetMaintenance");

const select = { enabled: true, message: true, updatedAt: true } as const;
const off = { enabled: false, message: null, updatedAt: null };

const tags = ["Admin"];
const adminErrors = { 401: errors[401], 403: errors[403] };

export const maintenanceRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Whether maintenance is on (admin)",
      ...adminOnly,
      responses: { 200: jsonResponse(MaintenanceSchema, "The switch"), ...adminErrors },
    }),
    async (c) => {
      const row = await c.var.db.maintenanceMode.findUnique({ where: { id: 1 }, select });
      return c.json(row ? { ...row, updatedAt: row.updatedAt.toISOString() } : off, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/",
      tags,
      summary: "Turn maintenance on (API writes answer 503, reads keep working) or off (admin)",
      ...adminOnly,
      request: { body: jsonBody(SetMaintenance) },
      responses: { 200: jsonResponse(MaintenanceSchema, "The switch as it is now"), 400: errors[400], ...adminErrors, 413: errors[413] },
    }),
    async (c) => {
      const { enabled, message } = c.req.valid("json");
      const data = { enabled, message: enabled ? (message ?? null) : null };
      const row = await c.var.db.maintenanceMode.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data, select });
      return c.json({ ...row, updatedAt: row.updatedAt.toISOString() }, 200);
    },
  );
