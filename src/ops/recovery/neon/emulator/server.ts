import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { OpsError } from "../../../errors.ts";
import { sentence } from "../../../text.ts";
import { type RecordedRequest, createEmulatorApp } from "./app.ts";
import { EmulatorModel } from "./model.ts";
import { OperationRunner } from "./operation-runner.ts";
import type { NeonEmulatorOptions } from "./options.ts";

/**
 * A local emulator of the part of Neon's HTTP API (v2) that NeonRecoveryProvider uses, backed by a
 * real recovery provider (the self-hosted one), so the Neon code path runs against real data:
 * creating a branch at a timestamp and restoring in place really happen on PostgreSQL.
 *
 * Endpoints (under /api/v2, Bearer API key required, errors as Neon's `{code, message}`), one
 * file per resource in routes/:
 *
 *   GET    /projects/{project_id}                              project, with history_retention_seconds
 *   GET    /projects/{project_id}/branches                     branches (limit, cursor, sort_by, sort_order, search)
 *   POST   /projects/{project_id}/branches                     {branch: {name, parent_id, parent_timestamp, expires_at}, endpoints}
 *   GET    /projects/{project_id}/branches/{branch_id}
 *   PATCH  /projects/{project_id}/branches/{branch_id}         {branch: {expires_at}} (null removes it; never on the default branch)
 *   DELETE /projects/{project_id}/branches/{branch_id}         (204 when there is no such branch, as Neon)
 *   POST   /projects/{project_id}/branches/{branch_id}/restore {source_branch_id (itself), source_timestamp, preserve_under_name}
 *   GET    /projects/{project_id}/branches/{branch_id}/endpoints
 *   GET    /projects/{project_id}/endpoints
 *   POST   /projects/{project_id}/endpoints                    {endpoint: {branch_id, type: read_write}}
 *   GET    /projects/{project_id}/operations[/{operation_id}]
 *   GET    /projects/{project_id}/connection_uri               branch_id, endpoint_id, database_name, role_name, pooled
 *   POST   /projects/{project_id}/branches/{branch_id}/snapshot ?name, timestamp, expires_at (query parameters)
 *   GET    /projects/{project_id}/snapshots                    newest first
 *   DELETE /projects/{project_id}/snapshots/{snapshot_id}
 *
 * Neon's behaviour kept: changes answer at once with `operations` that report `running` (for at
 * least `operationDelayMs`) and then `finished` or `failed`; a change while an operation runs gets
 * 423 Locked; timestamps outside the history retention are refused; a restore in place keeps the
 * branch's id and compute, makes the preserved old state the branch's parent and moves the
 * branch's children to it; a branch with children (422) or the default branch cannot be deleted;
 * a snapshot only of a moment inside its branch's history, kept after the branch is deleted and
 * gone once its expires_at has passed; a branch's expires_at at most 30 days out, and the branch
 * deleted by the first request after it (Neon's background job).
 * Not emulated: LSNs, restores from another branch or from a snapshot, Neon's limits on snapshots
 * (root branches only, 10 per project), read-only computes, a pooler (pooled and direct URIs are
 * the same: the backend's instance), roles and databases beyond the configured pair.
 *
 * From the command line: `npm run neon:emulator` (cli.ts).
 */

export interface NeonEmulator {
  /** Base URL of the API, to pass as the client's baseURL / NEON_API_URL: http://127.0.0.1:PORT/api/v2 */
  url: string;
  projectId: string;
  /** Every request answered (never its Authorization header), oldest first. */
  requests: RecordedRequest[];
  /** Stops serving after the running operations have ended. */
  close(): Promise<void>;
}

/** The key clients must present; what a Bearer token may hold (RFC 6750), or no request could ever pass. */
export function assertApiKey(apiKey: string | undefined): asserts apiKey is string {
  if (!apiKey) throw new OpsError("NEON_EMULATOR_SETUP", "The emulator needs an API key to check requests against: set NEON_API_KEY (any string you choose for local use).");
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(apiKey)) {
    throw new OpsError("NEON_EMULATOR_SETUP", "The emulator's API key (NEON_API_KEY) must be letters, digits and . _ ~ + / - only: it travels as a Bearer token.");
  }
}

export async function startNeonEmulator(options: NeonEmulatorOptions): Promise<NeonEmulator> {
  if (!/^[a-z0-9-]{1,60}$/.test(options.projectId)) {
    throw new OpsError("NEON_EMULATOR_SETUP", "The emulator's project id must be 1 to 60 lowercase letters, digits and dashes.");
  }
  assertApiKey(options.apiKey);
  const model = new EmulatorModel(options);
  await model.init();
  const operations = new OperationRunner(model, options.operationDelayMs ?? 300);
  const requests: RecordedRequest[] = [];
  const app = createEmulatorApp({ model, operations, apiKey: options.apiKey, record: (request) => requests.push(request) });

  // No http2 or TLS options: a plain node:http server.
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const listenHost = options.host ?? "127.0.0.1";
  await new Promise<void>((done, fail) => {
    server.once("error", (error) =>
      fail(new OpsError("NEON_EMULATOR_SETUP", sentence(`The emulator could not listen on ${listenHost}:${options.port ?? 0} (${error.message})`))),
    );
    server.listen(options.port ?? 0, listenHost, () => done());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new OpsError("NEON_EMULATOR_SETUP", "The emulator did not get a TCP address.");
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
      await operations.idle();
    },
  };
}
