import { createRoute, z } from "@hono/zod-openapi";
import { errorBody } from "../http/errors.ts";
import { createRouter, errors, jsonResponse } from "../http/openapi.ts";

const Liveness = z.object({ status: z.literal("ok") }).openapi("Liveness");
const Readiness = z.object({ status: z.literal("ok"), database: z.literal("up"), latencyMs: z.number() }).openapi("Readiness");

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
      summary: "Readiness: one database round trip within DB_READY_TIMEOUT_MS",
      responses: { 200: jsonResponse(Readiness, "Ready"), 503: errors[503] },
    }),
    async (c) => {
      const started = performance.now();
      const budget = c.var.config.DB_READY_TIMEOUT_MS;
      try {
        await withTimeout(c.var.db.$queryRaw`SELECT 1`, budget);
      } catch (error) {
        const message = error instanceof Timeout ? `The database did not answer within ${budget} ms` : "The database is unreachable";
        c.header("Retry-After", "5");
        c.header("Cache-Control", "no-store");
        return c.json(errorBody("DATABASE_UNAVAILABLE", message), 503);
      }
      c.header("Cache-Control", "no-store");
      return c.json({ status: "ok" as const, database: "up" as const, latencyMs: Math.round(performance.now() - started) }, 200);
    },
  );
