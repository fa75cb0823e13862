import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./context.ts";
import { validationFailed } from "./errors.ts";
import { findUnstorable } from "./storable.ts";

/**
 * Routers share one validation hook: a body, query, path or header that fails its schema, or
 * holds text PostgreSQL cannot store (NUL, a lone surrogate), answers 400 with the failing
 * fields, and nothing is written.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      const details = result.success
        ? findUnstorable(result.data)
        : result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message, code: issue.code }));
      if (details.length > 0) throw validationFailed(details);
      return undefined;
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "NOT_FOUND" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses a route documents, by status. */
export const errors = {
  400: errorResponse("Invalid JSON, fields, query or path"),
  401: errorResponse("Missing, invalid or expired bearer token"),
  403: errorResponse("Authenticated, but not allowed"),
  404: errorResponse("Not found (including another user's resource)"),
  409: errorResponse("Conflict with the current state"),
  413: errorResponse("Request body too large"),
  429: errorResponse("Too many attempts; wait Retry-After seconds"),
  503: errorResponse("Database unavailable or maintenance"),
} as const;

export const bearer = [{ Bearer: [] }];

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** An id as the API accepts one: in a path, a body, a query or a cursor. */
export const Id = z.string().min(1).max(64);

export const IdParam = z.object({
  id: Id.openapi({ param: { name: "id", in: "path" }, example: "cm3x0k9a10000abcd1234efgh" }),
});
