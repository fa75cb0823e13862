/**
 * A local emulator of the part of Neon's HTTP API (v2) that NeonRecoveryProvider uses, backed by a
 * real recovery provider (the self-hosted one), so the Neon code path runs against real data:
 * creating a branch at a timestamp and restoring in place really happen on PostgreSQL.
 *
 * Endpoints (under /api/v2, Bearer API key required, errors as Neon's `{code, message}`):
 *
 *   GET    /projects/{project_id}                              project, with history_retention_seconds
 *   GET    /projects/{project_id}/branches                     branches (limit, cursor, sort_by, sort_order, search)
 *   POST   /projects/{project_id}/branches                     {branch: {name, parent_id, parent_timestamp}, endpoints}
 *   GET    /projects/{project_id}/branches/{branch_id}
 *   DELETE /projects/{project_id}/branches/{branch_id}         (204 when there is no such branch, as Neon)
 *   POST   /projects/{project_id}/branches/{branch_id}/restore {source_branch_id (itself), source_timestamp, preserve_under_name}
 *   GET    /projects/{project_id}/branches/{branch_id}/endpoints
 *   GET    /projects/{project_id}/endpoints
 *   POST   /projects/{project_id}/endpoints                    {endpoint: {branch_id, type: read_write}}
 *   GET    /projects/{project_id}/operations[/{operation_id}]
 *   GET    /projects/{project_id}/connection_uri               branch_id, endpoint_id, database_name, role_name, pooled
 *
 * Neon's behaviour kept: changes answer at once with `operations` that report `running` (for at
 * least `operationDelayMs`) and then `finished` or `failed`; a change while an operation runs gets
 * 423 Locked; timestamps outside the history retention are refused; a restore in place keeps the
 * branch's id and compute, makes the preserved old state the branch's parent and moves the
 * branch's children to it; a branch with children or the default branch cannot be deleted.
 * Not emulated: LSNs, restores from another branch, read-only computes, a pooler (pooled and direct
 * URIs are the same: the backend's instance), roles and databases beyond the configured pair.
 *
 * For local development, on the self-hosted recovery state of `npm start` (or a fresh one):
 *
 *   NEON_API_KEY=dev-key tsx src/ops/recovery/neon/emulator.ts [--state-dir .data/recovery]
 *       [--port 4444] [--project-id local-emulator] [--history-retention-seconds 86400] [--init]
 *
 * It prints NEON_API_URL and NEON_PROJECT_ID for dbctl or the provider; --init creates (and starts)
 * a primary branch with archiving when the state folder has none. Ctrl-C stops the emulator; the
 * branches' PostgreSQL servers keep running, as the self-hosted provider's always do.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { maskUrl } from "../../../env.ts";
import { type NeonEmulatorOptions, type Answer, Emulator, HttpError, badRequest, errorMessage, failure, oneLine } from "./emulator-api.ts";

export type { EmulatorBackend, NeonEmulatorOptions } from "./emulator-api.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
}

export interface NeonEmulator {
  /** Base URL of the API, to pass as the client's baseURL / NEON_API_URL: http://127.0.0.1:PORT/api/v2 */
  url: string;
  projectId: string;
  /** Every request answered (never its Authorization header), oldest first. */
  requests: RecordedRequest[];
  /** Stops serving after the running operations have ended. */
  close(): Promise<void>;
}

export async function startNeonEmulator(options: NeonEmulatorOptions): Promise<NeonEmulator> {
  if (!/^[a-z0-9-]{1,60}$/.test(options.projectId)) throw new Error("projectId must be 1 to 60 lowercase letters, digits and dashes.");
  if (!options.apiKey) throw new Error("The emulator needs an API key to check requests against.");
  const emulator = new Emulator(options);
  await emulator.init();
  const requests: RecordedRequest[] = [];
  const expectedKey = digest(options.apiKey);

  const server = createServer((req, res) => {
    void serve(req, res);
  });
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    let answer: Answer;
    try {
      // The body is read in full before answering, but judged only after the key.
      const read = await readJson(req).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const header = req.headers.authorization ?? "";
      const key = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
      if ("error" in read) body = undefined;
      else body = read.value;
      if (!key || !timingSafeEqual(digest(key), expectedKey)) {
        answer = failure(401, "UNAUTHORIZED", key ? "authentication failed: the API key is not valid" : "authentication required: send an API key as a Bearer token");
      } else if (!url.pathname.startsWith("/api/v2/")) {
        answer = failure(404, "NOT_FOUND", "not found");
      } else if ("error" in read) {
        throw read.error;
      } else {
        answer = await emulator.handle(req.method ?? "GET", url.pathname.slice("/api/v2".length), query, body);
      }
    } catch (error) {
      answer = error instanceof HttpError ? failure(error.status, error.code, error.message) : failure(500, "INTERNAL", oneLine(errorMessage(error)));
    }
    const requestId = typeof req.headers["x-request-id"] === "string" ? req.headers["x-request-id"] : randomUUID();
    const payload = answer.body === undefined ? undefined : answer.status >= 400 ? { request_id: requestId, ...(answer.body as object) } : answer.body;
    requests.push({ method: req.method ?? "GET", path: url.pathname, query, body, status: answer.status, response: payload });
    options.log?.(`${req.method} ${url.pathname}${url.search} ${answer.status}`);
    res.writeHead(answer.status, { "content-type": "application/json", "x-request-id": requestId });
    res.end(payload === undefined ? undefined : JSON.stringify(payload));
  };

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => done());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("The emulator did not get a TCP address.");
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/api/v2`,
    projectId: options.projectId,
    requests,
    close: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await emulator.idle();
    },
  };
}

// ---- small helpers -------------------------------------------------------------------------------

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw badRequest("request body too large");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("request body is not valid JSON");
  }
}


// ---- command line ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const flags = z
    .object({
      "state-dir": z.string().min(1).default(process.env.RECOVERY_DIR || ".data/recovery"),
      port: z.coerce.number().int().min(0).max(65_535).default(4444),
      "project-id": z.string().regex(/^[a-z0-9-]{1,60}$/).default(process.env.NEON_PROJECT_ID || "local-emulator"),
      "history-retention-seconds": z.coerce.number().int().min(0).max(30 * 86_400).default(86_400),
      init: z.boolean().default(false),
    })
    .parse(
      parseArgs({
        options: {
          "state-dir": { type: "string" },
          port: { type: "string" },
          "project-id": { type: "string" },
          "history-retention-seconds": { type: "string" },
          init: { type: "boolean" },
        },
      }).values,
    );
  const apiKey = process.env.NEON_API_KEY;
  if (!apiKey) throw new Error("Set NEON_API_KEY to the key clients must present (any string you choose for local use).");

  const { SelfHostedRecovery } = await import("../self-hosted/index.ts");
  const stateDir = resolve(flags["state-dir"]);
  const log = (line: string) => console.error(`[neon-emulator] ${line}`);
  const provider = new SelfHostedRecovery({ stateDir, onProgress: log });
  if ((await provider.listBranches()).length === 0) {
    if (!flags.init) throw new Error(`${stateDir} has no branches: start npm start with archiving, or pass --init to create a primary branch there.`);
    const primary = await provider.initPrimary();
    log(`Created the primary branch "${primary.name}": ${maskUrl(await provider.connectionString(primary.name))}`);
  }
  const emulator = await startNeonEmulator({
    provider,
    apiKey,
    projectId: flags["project-id"],
    port: flags.port,
    historyRetentionSeconds: flags["history-retention-seconds"],
    stateFile: resolve(stateDir, "neon-emulator.json"),
    log,
  });
  console.log(`NEON_API_URL=${emulator.url}`);
  console.log(`NEON_PROJECT_ID=${emulator.projectId}`);
  console.log("NEON_DATABASE=postgres");
  console.log("NEON_ROLE=postgres");
  const stop = () => {
    log("stopping (the branches' servers keep running) ...");
    void emulator.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(oneLine(errorMessage(error)));
    process.exit(1);
  });
}
