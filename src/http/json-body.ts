import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * A JSON body is parsed once, here, and malformed JSON is our own 400 INVALID_JSON before any
 * route sees it. Hono keeps the parsed body, so the validators and the rate limiter read it
 * without parsing again.
 */
export const parseJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.raw.body && JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    try {
      await c.req.json();
    } catch {
      throw new ApiError(400, "INVALID_JSON", "The request body is not valid JSON");
    }
  }
  await next();
});
