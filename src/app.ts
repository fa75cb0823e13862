import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Db } from "./db/client.ts";
import { isDatabaseUnavailable } from "./db/errors.ts";
import type { Env } from "./env.ts";
import type { AppEnv } from "./http/context.ts";
import { ApiError, errorBody } from "./http/errors.ts";
import { maintenanceGate } from "./http/maintenance.ts";
import { createRouter } from "./http/openapi.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authRoutes } from "./routes/auth.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { noteRoutes } from "./routes/notes.ts";
import { projectRoutes } from "./routes/projects.ts";

/**
 * Builds the HTTP API. It knows no runtime: Node, Workers and Vercel entries pass the
 * configuration and a way to get the database client, and serve `app.fetch`.
 */
export interface AppDeps {
  config: Env;
  /** The Prisma client for this request (a shared one on Node, one per request on Workers). */
  db: (c: Context<AppEnv>) => Db;
  /** Runs work after the response is sent (Workers: ctx.waitUntil); awaited nowhere. */
  background?: (c: Context<AppEnv>, work: Promise<unknown>) => void;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const STATUS_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
};

export function createApp(deps: AppDeps) {
  const app = createRouter();

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("config", deps.config);
    c.set("db", deps.db(c));
    c.header("X-Request-Id", requestId);
    await next();
  });

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: deps.config.MAX_BODY_BYTES,
      onError: (c) =>
        c.json(errorBody("PAYLOAD_TOO_LARGE", `The request body is larger than ${deps.config.MAX_BODY_BYTES} bytes`), 413),
    }),
  );

  app.use("/api/*", maintenanceGate);

  app.route("/health", healthRoutes);
  app.route("/api/v1/auth", authRoutes);
  app.route("/api/v1/projects", projectRoutes);
  app.route("/api/v1/notes", noteRoutes);
  app.route("/api/v1/admin", adminRoutes);
  app.route("/api/v1/docs", docsRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    description: "The token from signup or login. Sessions expire; logout revokes.",
  });
  app.doc("/api/v1/openapi.json", {
    openapi: "3.0.3",
    info: {
      title: "Edge Postgres API",
      version: "1.0.0",
      description: "Users, sessions, projects and notes with soft delete, on serverless Postgres.",
    },
    servers: [{ url: "/" }],
  });

  app.notFound((c) => c.json(errorBody("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`), 404));

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
      return c.json(errorBody(error.code, error.message, error.details), error.status);
    }
    if (error instanceof HTTPException) {
      if (error.status === 400 && /JSON/i.test(error.message)) {
        return c.json(errorBody("INVALID_JSON", "The request body is not valid JSON"), 400);
      }
      const status = error.status;
      return c.json(errorBody(STATUS_CODES[status] ?? "HTTP_ERROR", error.message || "Request failed"), status);
    }
    if (isDatabaseUnavailable(error)) {
      c.header("Retry-After", "5");
      return c.json(errorBody("DATABASE_UNAVAILABLE", "The database is unavailable; try again shortly"), 503);
    }
    const work = recordError(c, error).catch(() => {});
    deps.background?.(c, work);
    return c.json(errorBody("INTERNAL_ERROR", `Something went wrong; quote request id ${c.var.requestId}`), 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;

/** Unexpected errors go to the ErrorLog table (best effort: logging must not fail the request). */
async function recordError(c: Context<AppEnv>, error: unknown): Promise<void> {
  const e = error instanceof Error ? error : new Error(String(error));
  console.error(`[${c.var.requestId}] ${c.req.method} ${c.req.path}: ${e.stack ?? e.message}`);
  await c.var.db.errorLog.create({
    data: {
      level: "ERROR",
      message: e.message.slice(0, 2_000),
      stack: e.stack?.slice(0, 10_000) ?? null,
      route: c.req.routePath,
      method: c.req.method,
      status: 500,
      userId: c.get("user")?.id ?? null,
      requestId: c.var.requestId,
    },
    select: { id: true },
  });
}
