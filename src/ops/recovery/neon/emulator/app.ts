import { Hono, type Context } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId, type RequestIdVariables } from "hono/request-id";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { oneLine } from "../../../text.ts";
import { HttpError, badRequest, notFound } from "./http-error.ts";
import type { EmulatorModel } from "./model.ts";
import type { OperationRunner } from "./operation-runner.ts";
import { branchRestoreRoutes } from "./routes/branch-restore.ts";
import { branchRoutes } from "./routes/branches.ts";
import { connectionUriRoutes } from "./routes/connection-uri.ts";
import { endpointRoutes } from "./routes/endpoints.ts";
import { operationRoutes } from "./routes/operations.ts";
import { projectRoutes } from "./routes/projects.ts";
import { snapshotRoutes } from "./routes/snapshots.ts";

/**
 * The emulated Neon API v2 as a Hono app: a Bearer API key on every request, errors as Neon's
 * `{request_id, code, message}`, every project route taking its turn on the model's lock after
 * the model caught up with the backend, and every answered request recorded for tests.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
}

export interface EmulatorAppParts {
  model: EmulatorModel;
  operations: OperationRunner;
  apiKey: string;
  record: (request: RecordedRequest) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;

type Env = { Variables: RequestIdVariables };

function errorResponse(c: Context<Env>, error: HttpError): Response {
  return c.json({ request_id: c.get("requestId"), code: error.code, message: error.message }, error.status);
}

/** The request's JSON body for the record: what a route read, or a small one no route reached (never an unbounded read). */
async function recordedBody(c: Context<Env>): Promise<unknown> {
  const length = Number(c.req.header("content-length"));
  if (Object.keys(c.req.bodyCache).length === 0 && !(length > 0 && length <= MAX_BODY_BYTES)) return undefined;
  try {
    const text = (await c.req.text()).trim();
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export function createEmulatorApp({ model, operations, apiKey, record }: EmulatorAppParts) {
  const app = new Hono<Env>();
  const refuse = (message: string) => (c: Context<Env>) => errorResponse(c, new HttpError("UNAUTHORIZED", message, 401));
  const keyRequired = { message: refuse("authentication required: send an API key as a Bearer token") };

  app.use(requestId());
  app.use(async (c, next) => {
    await next();
    const url = new URL(c.req.url);
    const query = Object.fromEntries(url.searchParams);
    const isJson = c.res.headers.get("content-type")?.startsWith("application/json") ?? false;
    const response = isJson ? await c.res.clone().json().catch(() => undefined) : undefined;
    record({ method: c.req.method, path: url.pathname, query, body: await recordedBody(c), status: c.res.status, response });
    model.log(`${c.req.method} ${url.pathname}${url.search} ${c.res.status}`);
  });
  app.use(
    bearerAuth({
      token: apiKey,
      noAuthenticationHeader: keyRequired,
      invalidAuthenticationHeader: keyRequired,
      invalidToken: { message: refuse("authentication failed: the API key is not valid") },
    }),
  );
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      // Answered before the rest of the body is read: the connection cannot carry another request.
      onError: (c) => {
        const res = errorResponse(c, badRequest("request body too large"));
        res.headers.set("connection", "close");
        return res;
      },
    }),
  );
  app.use("/api/v2/projects/:project_id/*", async (c, next) => {
    if (c.req.param("project_id") !== model.projectId) throw notFound("project not found");
    await model.exclusively(async () => {
      await model.sync();
      await next();
    });
  });

  app.route("/api/v2", projectRoutes(model));
  app.route("/api/v2", branchRoutes(model, operations));
  app.route("/api/v2", branchRestoreRoutes(model, operations));
  app.route("/api/v2", endpointRoutes(model, operations));
  app.route("/api/v2", connectionUriRoutes(model));
  app.route("/api/v2", snapshotRoutes(model, operations));
  app.route("/api/v2", operationRoutes(operations));

  app.notFound((c) => {
    const inProject = /^\/api\/v2\/projects\/[^/]+/.test(c.req.path);
    return errorResponse(c, notFound(inProject ? `${c.req.method} ${c.req.path.slice("/api/v2".length)} is not part of the emulated Neon API` : "not found"));
  });
  app.onError((error, c) => {
    if (error instanceof HttpError) return errorResponse(c, error);
    // Hono's own refusals (malformed JSON, an unsupported media type) and the key check's answers.
    if (error instanceof HTTPException) {
      if (error.res) return error.getResponse();
      return errorResponse(c, new HttpError(error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST", oneLine(error.message), error.status as ContentfulStatusCode));
    }
    return errorResponse(c, new HttpError("INTERNAL", oneLine(error instanceof Error ? error.message : String(error)), 500));
  });
  return app;
}
