import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { classifyDatabaseError, type DatabaseFailure } from "../db/errors.ts";
import type { AppEnv } from "./context.ts";
import { ApiError, errorBody, humanize, STATUS_CODES } from "./errors.ts";
import { recordError } from "./error-log.ts";
import { routePattern } from "./route-pattern.ts";

/** Seconds a client should wait before retrying when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The one mapping from errors to responses. Handlers throw an ApiError or let a database error
 * through: Prisma's "record not found" is a 404 (another user's row and a missing row look the
 * same), a unique violation a 409, a value PostgreSQL refused a 400, and a database that cannot
 * answer (down, frozen, timed out) a 503 with Retry-After. Anything else is a 500 with the
 * request id, recorded in ErrorLog.
 */
export function renderError(error: unknown, c: Context<AppEnv>, background?: (work: Promise<unknown>) => void): Response {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
    return c.json(errorBody(error.code, error.message, error.details), error.status);
  }
  if (error instanceof HTTPException) {
    // Middleware that builds its own response (bearer auth) has already said everything.
    if (error.res) return error.getResponse();
    return c.json(errorBody(STATUS_CODES[error.status] ?? "HTTP_ERROR", error.message || "Request failed"), error.status);
  }
  const failure = classifyDatabaseError(error);
  if (failure) return renderDatabaseFailure(failure, c);

  const occurrence = {
    error,
    method: c.req.method,
    route: routePattern(c),
    status: 500,
    userId: c.get("user")?.id,
    requestId: c.var.requestId,
    clientRequestId: c.var.clientRequestId,
  };
  // Best effort, after the response: logging must neither fail nor slow the request.
  const work = recordError(c.var.db, occurrence, c.req.path).catch(() => {});
  background?.(work);
  return c.json(errorBody("INTERNAL_ERROR", `Something went wrong; quote request id ${c.var.requestId}`), 500);
}

function renderDatabaseFailure(failure: DatabaseFailure, c: Context<AppEnv>): Response {
  switch (failure.kind) {
    case "not-found":
      return c.json(errorBody("NOT_FOUND", `${failure.model ? humanize(failure.model) : "Resource"} not found`), 404);
    case "conflict": {
      const fields = failure.fields.length > 0 ? failure.fields : ["value"];
      const what = failure.model ? humanize(failure.model).toLowerCase() : "record";
      return c.json(
        errorBody(`${fields.join("_").toUpperCase()}_TAKEN`, `A ${what} with this ${fields.join(" and ")} already exists`, { fields }),
        409,
      );
    }
    case "invalid-value":
      return c.json(
        errorBody("INVALID_VALUE", "A value in the request cannot be stored (out of range or not valid text)", failure.sqlState ? { sqlState: failure.sqlState } : undefined),
        400,
      );
    case "unavailable":
      c.header("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
      return c.json(
        errorBody("DATABASE_UNAVAILABLE", failure.timedOut ? "The database did not answer in time; try again shortly" : "The database is unavailable; try again shortly"),
        503,
      );
  }
}
