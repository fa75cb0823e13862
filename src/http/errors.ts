import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every HTTP error is `{"error":{"code","message","details"?}}`: handlers throw an ApiError (or
 * let a database error through) and the app's one error handler renders it. Never a stack trace.
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

/** The code of an error that only has a status (Hono's own, a bare HTTPException). */
export const STATUS_CODES: Partial<Record<number, string>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

/** "ErrorLog" -> "Error log": a model's name as a sentence starts it. */
export function humanize(model: string): string {
  const words = model.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const notFound = (what = "Resource") => new ApiError(404, "NOT_FOUND", `${what} not found`);
export const unauthorized = (message = "Authentication required") =>
  new ApiError(401, "UNAUTHORIZED", message, undefined, { "WWW-Authenticate": 'Bearer realm="api"' });
export const forbidden = (message = "You do not have permission to do this") => new ApiError(403, "FORBIDDEN", message);
export const validationFailed = (details: unknown) => new ApiError(400, "VALIDATION_FAILED", "The request is invalid", details);
