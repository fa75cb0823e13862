import { EndpointType } from "@neondatabase/api-client";
import type { Env } from "../../../env.ts";
import {
  type Branch,
  type ConnectionOptions,
  type CreateBranchOptions,
  type CreateSnapshotOptions,
  type RecoveryProvider,
  type RestoreBranchOptions,
  type RestoreResult,
  type RestoreWindow,
  type Snapshot,
  BranchExistsError,
  BranchIsPrimaryError,
  BranchNotFoundError,
  RecoveryError,
  RestoreFailedError,
  assertBranchName,
  assertNewBranchName,
} from "../provider.ts";
import { byName, childrenRefusal, defaultBranch, isDefault, toBranch } from "./branches.ts";
import { connectionUri } from "./connection.ts";
import { NeonApi } from "./neon-api.ts";
import { assertInside, outsideIfAboutTime, windowOf } from "./restore-window.ts";
import { createSnapshot, deleteSnapshot, listSnapshots } from "./snapshots.ts";

/**
 * Recovery on Neon through its HTTP API (v2, with @neondatabase/api-client). Branches are Neon's
 * copy-on-write branches, looked up by name (the interface's currency) and addressed by id:
 *
 * - listBranches        GET  /projects/{p}/branches (cursor pages)
 * - createBranch        POST /projects/{p}/branches {branch: {name, parent_id, parent_timestamp, expires_at}, endpoints: [read_write]}
 * - restoreBranch       POST /projects/{p}/branches/{b}/restore {source_branch_id: b, source_timestamp, preserve_under_name}
 * - deleteBranch        DELETE /projects/{p}/branches/{b} (Neon refuses a branch with children: BRANCH_HAS_CHILDREN)
 * - restoreWindow       GET  /projects/{p} (history_retention_seconds), see restore-window.ts
 * - connectionString    see connection.ts
 * - createSnapshot      POST /projects/{p}/branches/{b}/snapshot?name&timestamp&expires_at, see snapshots.ts
 * - listSnapshots       GET  /projects/{p}/snapshots
 * - deleteSnapshot      DELETE /projects/{p}/snapshots/{id}
 *
 * Every change waits until all the operations Neon returned have finished (operations.ts). 423
 * Locked (another operation runs), 429 and 503 are retried with backoff, as Neon's reference allows
 * (neon-api.ts). API errors become the interface's typed errors; the API key is never part of any message.
 */

export interface NeonRecoveryOptions {
  apiKey: string;
  projectId: string;
  /** The API's base URL; default https://console.neon.tech/api/v2 (tests: the emulator's). */
  baseURL?: string;
  /** Database and role of connection strings; Neon's defaults for projects made by the API. */
  database?: string;
  role?: string;
  /** How often an operation is polled, and how long a change may take in all. */
  pollIntervalMs?: number;
  operationTimeoutMs?: number;
  /** How long a request is retried while Neon answers 423/429/503. */
  retryWaitMs?: number;
  /** Timeout of a single HTTP request. */
  requestTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

const PROJECT_ID = /^[a-z0-9-]{1,60}$/;

export class NeonRecoveryProvider implements RecoveryProvider {
  readonly kind = "neon" as const;
  readonly projectId: string;
  /** Where the API is (for messages; it holds no secret). */
  readonly apiUrl: string;
  readonly database: string;
  readonly role: string;
  /** Private: it holds the API key. */
  readonly #neon: NeonApi;

  constructor(options: NeonRecoveryOptions) {
    if (!options.apiKey?.trim()) throw new RecoveryError("RECOVERY_SETUP", "There is no Neon API key: set NEON_API_KEY.");
    if (!PROJECT_ID.test(options.projectId ?? "")) {
      throw new RecoveryError("RECOVERY_SETUP", "NEON_PROJECT_ID is not a Neon project id (1 to 60 lowercase letters, digits and dashes).");
    }
    this.projectId = options.projectId;
    this.database = options.database ?? "neondb";
    this.role = options.role ?? "neondb_owner";
    this.#neon = new NeonApi({
      apiKey: options.apiKey.trim(),
      projectId: options.projectId,
      ...(options.baseURL && { baseURL: options.baseURL }),
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      operationTimeoutMs: options.operationTimeoutMs ?? 10 * 60_000,
      retryWaitMs: options.retryWaitMs ?? 60_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
    this.apiUrl = this.#neon.apiUrl;
  }

  /** From the configuration (src/env.ts): NEON_API_KEY, NEON_PROJECT_ID, NEON_API_URL, NEON_DATABASE, NEON_ROLE. */
  static fromEnv(
    env: Partial<Pick<Env, "NEON_API_KEY" | "NEON_PROJECT_ID" | "NEON_API_URL" | "NEON_DATABASE" | "NEON_ROLE">>,
    overrides: Partial<NeonRecoveryOptions> = {},
  ): NeonRecoveryProvider {
    if (!env.NEON_API_KEY) throw new RecoveryError("RECOVERY_SETUP", "NEON_API_KEY is not set: create an API key in the Neon Console and set it.");
    if (!env.NEON_PROJECT_ID) throw new RecoveryError("RECOVERY_SETUP", "NEON_PROJECT_ID is not set: it is in the Neon Console under Settings of your project.");
    return new NeonRecoveryProvider({
      apiKey: env.NEON_API_KEY,
      projectId: env.NEON_PROJECT_ID,
      ...(env.NEON_API_URL && { baseURL: env.NEON_API_URL }),
      ...(env.NEON_DATABASE && { database: env.NEON_DATABASE }),
      ...(env.NEON_ROLE && { role: env.NEON_ROLE }),
      ...overrides,
    });
  }

  async listBranches(): Promise<Branch[]> {
    const all = await this.#neon.branches("listing branches");
    return all.map((branch) => toBranch(branch, all));
  }

  async restoreWindow(options: { branch?: string } = {}): Promise<RestoreWindow> {
    const what = "reading the restore window";
    const [project, all] = await Promise.all([this.#neon.project(what), this.#neon.branches(what)]);
    const branch = options.branch === undefined ? defaultBranch(all, this.projectId) : byName(all, options.branch);
    return windowOf(project, branch);
  }

  async createBranch(name: string, options: CreateBranchOptions = {}): Promise<Branch> {
    assertNewBranchName(name);
    const neon = this.#neon;
    const what = `creating branch "${name}"`;
    const [project, all] = await Promise.all([options.at ? neon.project(what) : undefined, neon.branches(what)]);
    if (all.some((b) => b.name === name)) throw new BranchExistsError(name);
    const parent = options.parent === undefined ? defaultBranch(all, this.projectId) : byName(all, options.parent);
    const at = options.at;
    const window = at && project ? windowOf(project, parent) : undefined;
    if (at && window) assertInside(at, window);

    neon.progress(`Creating branch "${name}" from "${parent.name}"${at ? ` at ${at.toISOString()}` : ""} ...`);
    const created = await neon.call(
      what,
      (api) =>
        api.createProjectBranch(this.projectId, {
          branch: {
            name,
            parent_id: parent.id,
            ...(at && { parent_timestamp: at.toISOString() }),
            // RFC 3339 "with precision up to seconds", as Neon's reference asks of expires_at.
            ...(options.expiresAt && { expires_at: `${options.expiresAt.toISOString().slice(0, 19)}Z` }),
          },
          // A branch without a compute cannot be connected to; one read-write compute, as the Console does.
          endpoints: [{ type: EndpointType.ReadWrite }],
        }),
      {
        mutating: true,
        map: (failure) =>
          failure.status === 409
            ? new BranchExistsError(name)
            : failure.status === 404
              ? new BranchNotFoundError(parent.name)
              : at && window
                ? outsideIfAboutTime(failure, at, window)
                : undefined,
      },
    );
    await neon.wait(created.operations, what);
    const after = await neon.branches(what);
    const branch = after.find((b) => b.id === created.branch.id);
    if (!branch) throw new RestoreFailedError(`Neon finished creating branch "${name}" (${created.branch.id}) but does not list it.`, { branchId: created.branch.id });
    return toBranch(branch, after);
  }

  async restoreBranch(name: string, options: RestoreBranchOptions): Promise<RestoreResult> {
    assertBranchName(options.preserveUnderName);
    const neon = this.#neon;
    const at = options.at;
    const what = `restoring branch "${name}"`;
    const [project, all] = await Promise.all([neon.project(what), neon.branches(what)]);
    const target = byName(all, name);
    if (all.some((b) => b.name === options.preserveUnderName)) throw new BranchExistsError(options.preserveUnderName);
    const window = windowOf(project, target);
    assertInside(at, window);

    neon.progress(`Restoring "${name}" to ${at.toISOString()}, keeping its current state as "${options.preserveUnderName}" ...`);
    const response = await neon.call(
      what,
      (api) =>
        api.restoreProjectBranch(this.projectId, target.id, {
          // Its own history: Neon then requires a timestamp (or LSN) and a name for the old state.
          source_branch_id: target.id,
          source_timestamp: at.toISOString(),
          preserve_under_name: options.preserveUnderName,
        }),
      {
        mutating: true,
        map: (failure) =>
          failure.status === 409
            ? new BranchExistsError(options.preserveUnderName)
            : failure.status === 404
              ? new BranchNotFoundError(name)
              : outsideIfAboutTime(failure, at, window),
      },
    );
    await neon.wait(response.operations, what);

    const after = await neon.branches(what);
    const branch = after.find((b) => b.id === target.id);
    const preserved = after.find((b) => b.name === options.preserveUnderName);
    if (!branch || !preserved) {
      throw new RestoreFailedError(`Neon finished restoring "${name}" but does not list ${branch ? `"${options.preserveUnderName}"` : `"${name}"`} anymore.`);
    }
    const restored = toBranch(branch, after);
    return {
      // Neon may leave parent_timestamp empty after a restore; the moment asked for is known here.
      branch: { ...restored, restoredFrom: restored.restoredFrom ?? { at, branch: preserved.name } },
      preserved: toBranch(preserved, after),
    };
  }

  async deleteBranch(name: string): Promise<void> {
    const neon = this.#neon;
    const what = `deleting branch "${name}"`;
    const all = await neon.branches(what);
    const target = byName(all, name);
    if (isDefault(target)) throw new BranchIsPrimaryError(name);
    // Whether it has children is Neon's to say (the usual case: a restore's preserved branch, the
    // parent of the restored one); its refusal becomes BRANCH_HAS_CHILDREN.
    neon.progress(`Deleting branch "${name}" ...`);
    const data = await neon.call(what, (api) => api.deleteProjectBranch({ projectId: this.projectId, branchId: target.id }), {
      mutating: true,
      map: (failure) => (failure.status === 404 ? new BranchNotFoundError(name) : childrenRefusal(failure, target, all)),
    });
    // 204 (already gone) has no body.
    await neon.wait(data && typeof data === "object" ? data.operations : [], what);
  }

  createSnapshot(name: string, options: CreateSnapshotOptions = {}): Promise<Snapshot> {
    return createSnapshot(this.#neon, name, options);
  }

  listSnapshots(): Promise<Snapshot[]> {
    return listSnapshots(this.#neon);
  }

  deleteSnapshot(id: string): Promise<void> {
    return deleteSnapshot(this.#neon, id);
  }

  async connectionString(branch: string, options: ConnectionOptions = {}): Promise<string> {
    const target = byName(await this.#neon.branches(`getting a connection string for branch "${branch}"`), branch);
    return connectionUri(this.#neon, target, { database: options.database ?? this.database, role: this.role }, options);
  }
}
