import { createRoute, z } from "@hono/zod-openapi";
import { DATABASE_RETRY_AFTER_SECONDS } from "../http/error-handler.ts";
import { ApiError } from "../http/errors.ts";
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
      // One round trip that also reads the maintenance switch. An unreachable database is the
      // error handler's 503; a slow one is refused here, within the readiness budget.
      const [row] = await withTimeout(
        c.var.db.$queryRaw<{ enabled: boolean | null; message: string | null }[]>`SELECT m.enabled, m.message FROM (SELECT 1) AS one LEFT JOIN "MaintenanceMode" m ON m.id = 1`,
        budget,
      ).catch((error: unknown) => {
        if (!(error instanceof Timeout)) throw error;
        throw new ApiError(503, "DATABASE_UNAVAILABLE", `The database did not answer within ${budget} ms`, undefined, {
          "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS),
        });
      });
      const maintenance = { enabled: row?.enabled === true, message: row?.enabled ? (row.message ?? null) : null };
      return c.json({ status: "ok" as const, database: "up" as const, latencyMs: Math.round(performance.now() - started), maintenance }, 200);
    },
  );
