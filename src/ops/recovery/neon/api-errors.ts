import { oneLine } from "../../text.ts";

/**
 * What went wrong in a call to the Neon API, read from the HTTP client's error without keeping
 * the error itself: axios errors carry the request configuration, Authorization header included,
 * so they must never leave this module, be logged, or be attached as a cause.
 */
export interface ApiFailure {
  /** HTTP status, when the API answered. */
  status?: number;
  /** Neon's `message` (or the HTTP client's own, for network errors), on one line. */
  message: string;
  /** Neon's `code` (a free-form string, often empty). */
  code?: string;
  /** Set when the API could not be reached at all (ECONNREFUSED, ETIMEDOUT, ...). */
  network?: string;
  /** From Retry-After, for 429/503. */
  retryAfterMs?: number;
}

export function readFailure(error: unknown): ApiFailure {
  const e = error as {
    isAxiosError?: boolean;
    code?: string;
    message?: string;
    response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
  };
  if (!e || typeof e !== "object" || !e.isAxiosError) {
    return { message: oneLine(error instanceof Error ? error.message : String(error)) };
  }
  if (!e.response) return { message: oneLine(e.message ?? "no response"), network: e.code ?? "NO_RESPONSE" };
  const data = e.response.data as { message?: unknown; code?: unknown } | string | undefined;
  const apiMessage =
    data && typeof data === "object" && typeof data.message === "string" && data.message.trim()
      ? data.message
      : typeof data === "string" && data.trim() && data.length < 300
        ? data
        : `HTTP ${e.response.status}`;
  const retryAfter = Number(e.response.headers?.["retry-after"]);
  return {
    ...(e.response.status !== undefined && { status: e.response.status }),
    message: oneLine(apiMessage),
    ...(data && typeof data === "object" && typeof data.code === "string" && data.code && { code: data.code }),
    ...(Number.isFinite(retryAfter) && retryAfter >= 0 && { retryAfterMs: retryAfter * 1000 }),
  };
}

/** 423 Locked (another operation runs), 429 and 503 are safe to retry, per Neon's API reference. */
export function isRetryable(failure: ApiFailure): boolean {
  return failure.status === 423 || failure.status === 429 || failure.status === 503;
}

/** Removes a secret wherever it appears (defence in depth: messages are built without it). */
export function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join("****") : text;
}
