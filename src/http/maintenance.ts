import { createMiddleware } from "hono/factory";
import { bearerToken, lookupSession, type MaintenanceState } from "../auth/session.ts";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Logging in and out stays possible, so people can still read during maintenance; and the
 * admin route that switches maintenance (PUT is its only write), or it could never be turned off.
 */
const ALWAYS_ALLOWED = new Set(["/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/admin/maintenance"]);

/**
 * An admin's job runs: an incident is when a backup or a PITR check is wanted most. The jobs
 * that destroy (retention, the archive prune) see maintenance for themselves and do nothing.
 */
const ADMIN_JOB_RUN = /^\/api\/v1\/admin\/jobs\/[^/]+\/run$/;

export const MAINTENANCE_RETRY_AFTER_SECONDS = 60;

/**
 * "Stop the bleeding": while maintenance is on (dbctl maintenance on), every API request that
 * writes answers 503 with Retry-After before it reaches a handler; reads are untouched and cost
 * nothing extra. The flag is read from the database on each write, so it takes effect at once
 * on every instance; an authenticated write reads it with its session, which costs no statement.
 */
export const maintenanceGate = createMiddleware<AppEnv>(async (c, next) => {
  if (READ_METHODS.has(c.req.method) || ALWAYS_ALLOWED.has(c.req.path) || ADMIN_JOB_RUN.test(c.req.path)) return next();
  // A write with a token of ours learns the switch with its session, in one statement, and the
  // auth middleware reuses the session; any other write asks for the switch alone.
  const token = bearerToken(c.req.header("authorization"));
  let state: MaintenanceState | null;
  if (token) {
    const result = await lookupSession(c.var.db, token, { withMaintenance: true });
    c.set("sessionLookup", { token, result });
    state = result.maintenance;
  } else {
    state = await c.var.db.maintenanceMode.findUnique({ where: { id: 1 }, select: { enabled: true, message: true } });
  }
  if (state?.enabled) {
    throw new ApiError(503, "MAINTENANCE", state.message ?? "The service is in maintenance: reads work, writes are paused. Try again shortly.", undefined, {
      "Retry-After": String(MAINTENANCE_RETRY_AFTER_SECONDS),
    });
  }
  return next();
});
