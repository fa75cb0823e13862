import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isRecordNotFound } from "../db/errors.ts";

/**
 * Every HTTP error is `{"error":{"code","message","details"?}}`: handlers throw an ApiError and
 * the app's error handler renders it. Never a stack trace.
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

export const notFound = (what = "Resource") => new ApiError(404, "NOT_FOUND", `${what} not found`);
export const unauthorized = (message = "Authentication required") =>
  new ApiError(401, "UNAUTHORIZED", message, undefined, { "WWW-Authenticate": 'Bearer realm="api"' });
export const forbidden = (message = "You do not have permission to do this") => new ApiError(403, "FORBIDDEN", message);

/**
 * Awaits a write that targets one row by id and owner; Prisma's "record not found" becomes a
 * 404, so another user's row and a missing row look the same.
 */
export async function orNotFound<T>(write: Promise<T>, what: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isRecordNotFound(error)) throw notFound(what);
    throw error;
  }
}
