import { createRoute, z } from "@hono/zod-openapi";
import { errorBody } from "../http/errors.ts";
import { createRouter, errors, jsonResponse } from "../http/openapi.ts";

const Liveness = z.object({ status: z.literal("ok") }).openapi("Liveness");
const Readiness = z
  .object({
    status: z.literal("ok"),
    database: z.literal("up"),
    latencyMs: z.number(),
    maintenance: z.object({ enabled: z.boolean(), message: z.string().nullable() }),
  })
  .openapi("Readiness");

class Timeout extends Error {}

/** Resolves with the promise, or rejects after `ms`; the timer never keeps a process alive. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export const healthRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["Health"],
      summary: "Liveness: the process answers (no database)",
      responses: { 200: jsonResponse(Liveness, "Alive") },
    }),
    (c) => c.json({ status: "ok" as const }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/ready",
      tags: ["Health"],
      summary: "Readiness: one database round trip within DB_READY_TIMEOUT_MS; reports maintenance",
      responses: { 200: jsonResponse(Readiness, "Ready"), 503: errors[503] },
    }),
    async (c) => {
      const started = performance.now();
      const budget = c.var.config.DB_READY_TIMEOUT_MS;
      let maintenance = { enabled: false, message: null as string | null };
      try {
        // One round trip that also reads the maintenance switch.
        const [row] = await withTimeout(
          c.var.db.$queryRaw<{ enabled: boolean | null; message: string | null }[]>`SELECT m.enabled, m.message FROM (SELECT 1) AS one LEFT JOIN "MaintenanceMode" m ON m.id = 1`,
          budget,
        );
        maintenance = { enabled: row?.enabled === true, message: row?.enabled ? (row.message ?? null) : null };
      } catch (error) {
        const message = error instanceof Timeout ? `The database did not answer within ${budget} ms` : "The database is unreachable";
        c.header("Retry-After", "5");
        c.header("Cache-Control", "no-store");
        return c.json(errorBody("DATABASE_UNAVAILABLE", message), 503);
      }
      c.header("Cache-Control", "no-store");
      return c.json({ status: "ok" as const, database: "up" as const, latencyMs: Math.round(performance.now() - started), maintenance }, 200);
    },
  );
