import type { ContentfulStatusCode } from "hono/utils/http-status";
import { OpsError } from "../../../errors.ts";

/**
 * An answer of the emulated API that is not a success: rendered as Neon renders its errors,
 * `{request_id, code, message}` with the status. It stays inside the emulator (HTTP-level);
 * the Neon provider reads the answer and throws recovery errors of its own.
 */
export class HttpError extends OpsError {
  override name = "HttpError";
  constructor(
    code: string,
    message: string,
    readonly status: ContentfulStatusCode,
  ) {
    super(code, message, { status });
  }
}

export const badRequest = (message: string) => new HttpError("BAD_REQUEST", message, 400);
export const notFound = (message: string) => new HttpError("NOT_FOUND", message, 404);
/** Neon's answer to a branch name already in use (by a branch, or by one an operation is making). */
export const nameTaken = () => new HttpError("BRANCH_ALREADY_EXISTS", "branch with the provided name already exists", 409);
export const locked = (message: string) => new HttpError("LOCKED", message, 423);
