import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { badRequest } from "./http-error.ts";

/**
 * What every route of the emulator shares: a router whose requests (path, query, JSON body)
 * that fail their zod schema answer Neon's 400 `{code, message}` naming the first bad field,
 * the ids and timestamps Neon's reference defines, and typed JSON responses.
 */

const where = { json: "body", query: "query", param: "path" } as Record<string, string>;

export function emulatorRouter() {
  return new OpenAPIHono({
    defaultHook: (result) => {
      if (result.success) return undefined;
      const issue = result.error.issues[0];
      const place = where[result.target] ?? result.target;
      throw badRequest(`invalid request ${place}: ${issue?.path.join(".") || `(${place})`}: ${issue?.message ?? "invalid"}`);
    },
  });
}

/** Neon's id pattern for projects, branches and endpoints. */
export const NeonId = z.string().regex(/^[a-z0-9-]{1,60}$/, "must be 1 to 60 lowercase letters, digits and dashes");
export const Timestamp = z.iso.datetime({ offset: true });

export const ProjectParams = z.object({ project_id: NeonId });
export const BranchParams = ProjectParams.extend({ branch_id: NeonId });

/** A JSON answer of an api-client type: tsc holds each handler to that shape (no schema is generated from it). */
export const neonJson = <T>(description: string) => ({ description, content: { "application/json": { schema: z.custom<T>() } } });

/** A JSON request body the route needs. */
export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({ required, content: { "application/json": { schema } } });

/**
 * For a route whose body Neon makes optional: an empty body is no body, whatever its content type
 * says (Hono's JSON validator would call it malformed JSON).
 */
export const emptyBodyIsNone: MiddlewareHandler = async (c, next) => {
  const text = c.req.raw.body ? (await c.req.raw.clone().text()).trim() : "";
  if (!text && c.req.header("content-type")) {
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-type");
    headers.delete("content-length");
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers });
  }
  await next();
};
