// Hono's types through a subpath, never the package root: Vercel's zero-config Hono detection
// would take a src/app.ts importing the root for its entry, and this file exports no app (the
// Vercel entry is src/index.ts; test/vercel/detection.test.ts asks Vercel's builder).
import type { MiddlewareHandler } from "hono/types";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { createPasswords } from "./auth/passwords.ts";
import type { Db } from "./db/client.ts";
import type { Env } from "./env.ts";
import type { AppEnv } from "./http/context.ts";
import { renderError } from "./http/error-handler.ts";
import { errorBody } from "./http/errors.ts";
import { parseJsonBody } from "./http/json-body.ts";
import { maintenanceGate } from "./http/maintenance.ts";
import { requestMetrics, type MetricsSink } from "./http/metrics.ts";
import { allowedMethods } from "./http/method-not-allowed.ts";
import { createRouter } from "./http/openapi.ts";
import { authRateLimits, type AuthRateLimitBindings } from "./http/rate-limit.ts";
import type { JobRuntime } from "./jobs/types.ts";
import { dbReportRoutes } from "./routes/admin/db.ts";
import { errorLogRoutes } from "./routes/admin/errors.ts";
import { jobRoutes } from "./routes/admin/jobs.ts";
import { maintenanceRoutes } from "./routes/admin/maintenance.ts";
import { metricsRoutes } from "./routes/admin/metrics.ts";
import { authRoutes } from "./routes/auth.ts";
import { cronRoutes } from "./routes/cron.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { noteRoutes } from "./routes/notes.ts";
import { projectRoutes } from "./routes/projects.ts";

/** A request's context, as every middleware gets it. */
type Context<E extends AppEnv> = Parameters<MiddlewareHandler<E>>[0];

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
  /** The client's network address, for per-address rate limits (Node: the socket; Workers: CF-Connecting-IP). */
  clientAddress?: (c: Context<AppEnv>) => string | undefined;
  /** Cloudflare Rate Limiting bindings; without them the limits count in memory. */
  rateLimits?: AuthRateLimitBindings;
  /** Where API requests' PerformanceMetric records go (Node: a batching buffer; Workers: waitUntil); none: nothing is recorded. */
  metrics?: MetricsSink;
  /** What this runtime offers the jobs run over HTTP (recovery, backups, directUrl, clock, fetch, log); none: only jobs that need nothing run. */
  jobs?: JobRuntime;
}

/** A client's own id for a request: kept apart from ours, echoed back, never trusted as unique. */
const CLIENT_REQUEST_ID = /^[\w.:=-]{1,128}$/;

export function createApp(deps: AppDeps) {
  const { config } = deps;
  const passwords = createPasswords({ iterations: config.PBKDF2_ITERATIONS, concurrency: config.PASSWORD_HASH_CONCURRENCY });
  const limits = authRateLimits(config, deps.clientAddress ?? (() => undefined), deps.rateLimits);
  const allowedOrigins = new Set(config.CORS_ORIGINS);

  const app = createRouter();
  // Our request id is always ours (a UUID); Hono's middleware never adopts the client's.
  app.use("*", requestId({ headerName: "" }));
  app.use("*", async (c, next) => {
    c.header("X-Request-Id", c.var.requestId);
    const clientId = c.req.header("x-client-request-id");
    if (clientId && CLIENT_REQUEST_ID.test(clientId)) {
      c.set("clientRequestId", clientId);
      c.header("X-Client-Request-Id", clientId);
    }
    c.set("config", config);
    c.set("passwords", passwords);
    c.set("db", deps.db(c));
    await next();
    // Responses carry tokens and user data: no cache, shared or private, may keep them.
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });
  app.use("*", secureHeaders());
  // First on /api/*, so every answer counts: preflights, 413s and maintenance 503s too.
  if (deps.metrics) app.use("/api/*", requestMetrics(deps.metrics, config.METRICS_SAMPLE_RATE));
  const corsHeaders = cors({
    origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "X-Client-Request-Id"],
    exposeHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
    maxAge: 600,
  });
  // Hono's cors ends with c.header("Vary") after the handler, and c.header on a finished response
  // copies it, which on Node loses @hono/node-server's fast path (the body read back as a stream
  // and written in pieces: bench/analysis.md). A request from no origin we allow gets no CORS
  // header from it anyway, so only preflights and allowed origins go through it; the rest get
  // their Vary set on the response itself, which keeps it as it is.
  app.use("/api/*", async (c, next) => {
    if (c.req.method === "OPTIONS" || allowedOrigins.has(c.req.header("origin") ?? "")) return corsHeaders(c, next);
    await next();
    c.res.headers.append("Vary", "Origin");
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: config.MAX_BODY_BYTES,
      // The rest of the body is never read, so the connection cannot carry another request.
      onError: (c) => {
        c.header("Connection", "close");
        return c.json(errorBody("PAYLOAD_TOO_LARGE", `The request body is larger than ${config.MAX_BODY_BYTES} bytes`), 413);
      },
    }),
  );
  app.use("/api/*", parseJsonBody);
  app.use("/api/*", maintenanceGate);

  // Chained, so the app's type carries every route (Hono's typed testClient and hc read it).
  const routes = app
    .route("/health", healthRoutes)
    .route("/api/v1/auth", authRoutes(limits))
    .route("/api/v1/projects", projectRoutes)
    .route("/api/v1/notes", noteRoutes)
    .route("/api/v1/admin/errors", errorLogRoutes)
    .route("/api/v1/admin/db", dbReportRoutes)
    .route("/api/v1/admin/maintenance", maintenanceRoutes)
    .route("/api/v1/admin/metrics", metricsRoutes)
    .route("/api/v1/admin/jobs", jobRoutes(deps.jobs))
    .route("/api/cron", cronRoutes(deps.jobs))
    .route("/api/v1/docs", docsRoutes);

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

  const methodsOf = allowedMethods(() => app.routes);
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      return c.json(errorBody("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(", ")}`), 405);
    }
    return c.json(errorBody("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`), 404);
  });
  app.onError((error, c) => renderError(error, c, deps.background && ((work) => deps.background?.(c, work))));

  return routes;
}

export type App = ReturnType<typeof createApp>;
