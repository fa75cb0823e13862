import { createApiClient, EndpointType, type Branch as NeonBranch, type Operation, type Project } from "@neondatabase/api-client";
import type { Env } from "../../../env.ts";
import {
  type Branch,
  type ConnectionOptions,
  type CreateBranchOptions,
  type RecoveryProvider,
  type RestoreBranchOptions,
  type RestoreResult,
  type RestoreWindow,
  BranchExistsError,
  BranchIsPrimaryError,
  BranchNotFoundError,
  NoRestoreWindowError,
  OutsideRestoreWindowError,
  RecoveryError,
  RestoreFailedError,
  assertBranchName,
} from "../provider.ts";
import { type ApiFailure, isRetryable, readFailure, redact, sentence } from "./api-errors.ts";
import { awaitOperations } from "./operations.ts";

/**
 * Recovery on Neon through its HTTP API (v2, with @neondatabase/api-client). Branches are Neon's
 * copy-on-write branches, looked up by name (the interface's currency) and addressed by id:
 *
 * - listBranches        GET  /projects/{p}/branches (cursor pages)
 * - createBranch        POST /projects/{p}/branches {branch: {name, parent_id, parent_timestamp}, endpoints: [read_write]}
 * - restoreBranch       POST /projects/{p}/branches/{b}/restore {source_branch_id: b, source_timestamp, preserve_under_name}
 * - deleteBranch        DELETE /projects/{p}/branches/{b}
 * - restoreWindow       GET  /projects/{p} (history_retention_seconds): now - retention .. now, and for
 *                       a branch other than the default one no earlier than its creation
 * - connectionString    GET  /projects/{p}/branches/{b}/endpoints, POST /projects/{p}/endpoints when the
 *                       branch has no read-write compute (a restore's preserved branch has none), then
 *                       GET /projects/{p}/connection_uri {branch_id, endpoint_id, database_name, role_name, pooled}
 *
 * Every change waits until all the operations Neon returned have finished (operations.ts). 423
 * Locked (another operation runs), 429 and 503 are retried with backoff, as Neon's reference allows.
 * API errors become the interface's typed errors; the API key is never part of any message.
 */

type NeonApi = ReturnType<typeof createApiClient>;

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
const PAGE_SIZE = 1_000;

export class NeonRecoveryProvider implements RecoveryProvider {
  readonly kind = "neon" as const;
  readonly projectId: string;
  /** Where the API is (for messages; it holds no secret). */
  readonly apiUrl: string;
  readonly database: string;
  readonly role: string;
  // Private fields: neither util.inspect nor JSON.stringify shows them, and the client's axios
  // defaults hold the Authorization header.
  readonly #api: NeonApi;
  readonly #apiKey: string;
  readonly #pollIntervalMs: number;
  readonly #operationTimeoutMs: number;
  readonly #retryWaitMs: number;
  readonly #onProgress: ((line: string) => void) | undefined;

  constructor(options: NeonRecoveryOptions) {
    if (!options.apiKey?.trim()) throw new RecoveryError("RECOVERY_SETUP", "There is no Neon API key: set NEON_API_KEY.");
    if (!PROJECT_ID.test(options.projectId ?? "")) {
      throw new RecoveryError("RECOVERY_SETUP", "NEON_PROJECT_ID is not a Neon project id (1 to 60 lowercase letters, digits and dashes).");
    }
    this.#apiKey = options.apiKey.trim();
    this.projectId = options.projectId;
    this.apiUrl = safeUrl(options.baseURL ?? "https://console.neon.tech/api/v2");
    this.database = options.database ?? "neondb";
    this.role = options.role ?? "neondb_owner";
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 10 * 60_000;
    this.#retryWaitMs = options.retryWaitMs ?? 60_000;
    this.#onProgress = options.onProgress;
    this.#api = createApiClient({
      apiKey: this.#apiKey,
      ...(options.baseURL && { baseURL: options.baseURL }),
      timeout: options.requestTimeoutMs ?? 30_000,
    });
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

  // ---- the interface ---------------------------------------------------------------------------

  async listBranches(): Promise<Branch[]> {
    const all = await this.neonBranches("listing branches");
    return all.map((branch) => this.toBranch(branch, all));
  }

  async restoreWindow(options: { branch?: string } = {}): Promise<RestoreWindow> {
    const what = "reading the restore window";
    const [project, all] = await Promise.all([this.project(what), this.neonBranches(what)]);
    const branch = options.branch === undefined ? defaultBranch(all, this.projectId) : byName(all, options.branch);
    return this.windowOf(project, branch);
  }

  async createBranch(name: string, options: CreateBranchOptions = {}): Promise<Branch> {
    assertBranchName(name);
    const what = `creating branch "${name}"`;
    const [project, all] = await Promise.all([options.at ? this.project(what) : undefined, this.neonBranches(what)]);
    if (all.some((b) => b.name === name)) throw new BranchExistsError(name);
    const parent = options.parent === undefined ? defaultBranch(all, this.projectId) : byName(all, options.parent);
    const at = options.at;
    const window = at && project ? this.windowOf(project, parent) : undefined;
    if (at && window) assertInside(at, window);

    this.progress(`Creating branch "${name}" from "${parent.name}"${at ? ` at ${at.toISOString()}` : ""} ...`);
    const created = await this.call(
      what,
      () =>
        this.#api.createProjectBranch(this.projectId, {
          branch: { name, parent_id: parent.id, ...(at && { parent_timestamp: at.toISOString() }) },
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
    await this.wait(created.operations, what);
    const after = await this.neonBranches(what);
    const branch = after.find((b) => b.id === created.branch.id);
    if (!branch) throw new RestoreFailedError(`Neon finished creating branch "${name}" (${created.branch.id}) but does not list it.`, { branchId: created.branch.id });
    return this.toBranch(branch, after);
  }

  async restoreBranch(name: string, options: RestoreBranchOptions): Promise<RestoreResult> {
    assertBranchName(options.preserveUnderName);
    const at = options.at;
    const what = `restoring branch "${name}"`;
    const [project, all] = await Promise.all([this.project(what), this.neonBranches(what)]);
    const target = byName(all, name);
    if (all.some((b) => b.name === options.preserveUnderName)) throw new BranchExistsError(options.preserveUnderName);
    const window = this.windowOf(project, target);
    assertInside(at, window);

    this.progress(`Restoring "${name}" to ${at.toISOString()}, keeping its current state as "${options.preserveUnderName}" ...`);
    const response = await this.call(
      what,
      () =>
        this.#api.restoreProjectBranch(this.projectId, target.id, {
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
    await this.wait(response.operations, what);

    const after = await this.neonBranches(what);
    const branch = after.find((b) => b.id === target.id);
    const preserved = after.find((b) => b.name === options.preserveUnderName);
    if (!branch || !preserved) {
      throw new RestoreFailedError(`Neon finished restoring "${name}" but does not list ${branch ? `"${options.preserveUnderName}"` : `"${name}"`} anymore.`);
    }
    const restored = this.toBranch(branch, after);
    return {
      // Neon may leave parent_timestamp empty after a restore; the moment asked for is known here.
      branch: { ...restored, restoredFrom: restored.restoredFrom ?? { at, branch: preserved.name } },
      preserved: this.toBranch(preserved, after),
    };
  }

  async deleteBranch(name: string): Promise<void> {
    const what = `deleting branch "${name}"`;
    const all = await this.neonBranches(what);
    const target = byName(all, name);
    if (isDefault(target)) throw new BranchIsPrimaryError(name);
    const children = all.filter((b) => b.parent_id === target.id);
    if (children.length > 0) {
      // Neon refuses this; the usual case is a restore's preserved branch, the parent of the restored one.
      const names = children.map((c) => `"${c.name}"`).join(", ");
      throw new RecoveryError(
        "RESTORE_FAILED",
        `Neon cannot delete "${name}" while ${names} ${children.length === 1 ? "was" : "were"} branched from it (a branch restored in place is a child of its preserved state): delete ${children.length === 1 ? "that branch" : "those branches"} first.`,
        { branch: name, children: children.map((c) => c.name) },
      );
    }
    this.progress(`Deleting branch "${name}" ...`);
    const data = await this.call(what, () => this.#api.deleteProjectBranch({ projectId: this.projectId, branchId: target.id }), {
      mutating: true,
      map: (failure) => (failure.status === 404 ? new BranchNotFoundError(name) : undefined),
    });
    // 204 (already gone) has no body.
    await this.wait(data && typeof data === "object" ? data.operations : [], what);
  }

  async connectionString(branch: string, options: ConnectionOptions = {}): Promise<string> {
    const what = `getting a connection string for branch "${branch}"`;
    const target = byName(await this.neonBranches(what), branch);
    const endpointId = await this.readWriteEndpoint(target, what);
    const database = options.database ?? this.database;
    const data = await this.call(
      what,
      () =>
        this.#api.getConnectionUri({
          projectId: this.projectId,
          branch_id: target.id,
          endpoint_id: endpointId,
          database_name: database,
          role_name: this.role,
          pooled: options.pooled === true,
        }),
      {
        map: (failure) =>
          failure.status === 404 && /database|role/i.test(failure.message)
            ? new RecoveryError(
                "RECOVERY_SETUP",
                sentence(`Neon has no database "${database}" with role "${this.role}" on branch "${branch}" (${failure.message}); check NEON_DATABASE and NEON_ROLE`),
                { branch, database, role: this.role },
              )
            : failure.status === 404
              ? new BranchNotFoundError(branch)
              : undefined,
      },
    );
    return data.uri;
  }

  // ---- Neon calls --------------------------------------------------------------------------------

  private async project(what: string): Promise<Project> {
    return (await this.call(what, () => this.#api.getProject(this.projectId))).project;
  }

  private async neonBranches(what: string): Promise<NeonBranch[]> {
    const all: NeonBranch[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1_000; page++) {
      const data = await this.call(what, () =>
        this.#api.listProjectBranches({
          projectId: this.projectId,
          limit: PAGE_SIZE,
          sort_by: "created_at",
          sort_order: "asc",
          ...(cursor && { cursor }),
        }),
      );
      all.push(...data.branches);
      const next = data.pagination?.next;
      if (!next || next === cursor || data.branches.length < PAGE_SIZE) break;
      cursor = next;
    }
    return all;
  }

  /** The branch's read-write compute, created (and waited for) when it has none. */
  private async readWriteEndpoint(branch: NeonBranch, what: string): Promise<string> {
    const { endpoints } = await this.call(what, () => this.#api.listProjectBranchEndpoints(this.projectId, branch.id), {
      map: (failure) => (failure.status === 404 ? new BranchNotFoundError(branch.name) : undefined),
    });
    const existing = endpoints.find((endpoint) => endpoint.type === EndpointType.ReadWrite);
    if (existing) return existing.id;
    const starting = `starting a compute for branch "${branch.name}"`;
    this.progress(`Branch "${branch.name}" has no compute; ${starting} ...`);
    const created = await this.call(
      starting,
      () => this.#api.createProjectEndpoint(this.projectId, { endpoint: { branch_id: branch.id, type: EndpointType.ReadWrite } }),
      { mutating: true, map: (failure) => (failure.status === 404 ? new BranchNotFoundError(branch.name) : undefined) },
    );
    await this.wait(created.operations, starting);
    return created.endpoint.id;
  }

  private async wait(operations: Operation[] | undefined, what: string): Promise<void> {
    try {
      await awaitOperations(operations, {
        fetch: async (id) => (await this.call(what, () => this.#api.getProjectOperation(this.projectId, id))).operation,
        pollIntervalMs: this.#pollIntervalMs,
        timeoutMs: this.#operationTimeoutMs,
        what,
        ...(this.#onProgress && { onProgress: this.#onProgress }),
      });
    } catch (error) {
      throw error instanceof RecoveryError ? this.scrub(error) : error;
    }
  }

  /**
   * One API call, retried while Neon says so (423 Locked, 429, 503), its failure translated into
   * a RecoveryError: `map` first (status codes that mean something for this call), then the
   * general cases. The HTTP client's error object is dropped here, never rethrown.
   */
  private async call<T>(
    what: string,
    request: () => Promise<{ data: T }>,
    options: { mutating?: boolean; map?: (failure: ApiFailure) => RecoveryError | undefined } = {},
  ): Promise<T> {
    const deadline = Date.now() + this.#retryWaitMs;
    let delay = 100;
    for (;;) {
      let failure: ApiFailure;
      try {
        return (await request()).data;
      } catch (error) {
        failure = readFailure(error);
      }
      const wait = Math.max(delay, failure.retryAfterMs ?? 0);
      if (isRetryable(failure) && Date.now() + wait < deadline) {
        if (delay === 100) this.progress(`Neon answered ${failure.status} (${failure.message}) while ${what}; retrying ...`);
        await sleep(wait);
        delay = Math.min(delay * 2, 2_000);
        continue;
      }
      throw this.scrub(this.translate(failure, what, options));
    }
  }

  private translate(failure: ApiFailure, what: string, options: { mutating?: boolean; map?: (failure: ApiFailure) => RecoveryError | undefined }): RecoveryError {
    const { status, message } = failure;
    const details = { ...(status !== undefined && { status }), ...(failure.code && { neonCode: failure.code }), neonMessage: message };
    if (failure.network) {
      return new RecoveryError("RECOVERY_SETUP", sentence(`Could not reach the Neon API at ${this.apiUrl} while ${what} (${failure.network})`), {
        network: failure.network,
      });
    }
    if (status === 401 || status === 403) {
      return new RecoveryError(
        "RECOVERY_SETUP",
        `The Neon API refused the API key while ${what} (HTTP ${status}: ${message.replace(/\.$/, "")}): check NEON_API_KEY and that it may use project ${this.projectId}.`,
        details,
      );
    }
    if (status === 404 && /\bproject\b/i.test(message) && !/\b(branch|endpoint|operation|database|role)\b/i.test(message)) {
      return new RecoveryError("RECOVERY_SETUP", `Neon has no project ${this.projectId} for this API key (while ${what}): check NEON_PROJECT_ID.`, details);
    }
    const mapped = options.map?.(failure);
    if (mapped) return mapped;
    if (status === undefined) return new RecoveryError("RECOVERY_SETUP", sentence(`Calling the Neon API failed while ${what}: ${message}`));
    return new RecoveryError(
      options.mutating ? "RESTORE_FAILED" : "RECOVERY_SETUP",
      sentence(`The Neon API answered HTTP ${status} while ${what}: ${message}${options.mutating ? "; nothing was changed" : ""}`),
      details,
    );
  }

  /** The key never travels in a message or detail, even if an API message echoed it. */
  private scrub(error: RecoveryError): RecoveryError {
    error.message = redact(error.message, this.#apiKey);
    if (error.details) {
      for (const [key, value] of Object.entries(error.details)) {
        if (typeof value === "string") error.details[key] = redact(value, this.#apiKey);
      }
    }
    return error;
  }

  // ---- mapping -----------------------------------------------------------------------------------

  /** Neon's restore window: the project's history retention up to now; a non-default branch has no history before its creation. */
  private windowOf(project: Project, branch: NeonBranch, now = new Date()): RestoreWindow {
    const retention = project.history_retention_seconds;
    if (!retention || retention <= 0) throw new NoRestoreWindowError(`Neon project ${this.projectId} keeps no history (history_retention_seconds is 0)`);
    let from = new Date(now.getTime() - retention * 1000);
    const created = Date.parse(branch.created_at);
    if (!isDefault(branch) && created > from.getTime()) from = new Date(Math.min(created, now.getTime()));
    return { from, to: now };
  }

  private toBranch(branch: NeonBranch, all: NeonBranch[]): Branch {
    const parentName = branch.parent_id ? (all.find((b) => b.id === branch.parent_id)?.name ?? branch.parent_id) : undefined;
    const parentTimestamp = branch.parent_timestamp ? new Date(branch.parent_timestamp) : undefined;
    return {
      id: branch.id,
      name: branch.name,
      ...(parentName !== undefined && { parent: parentName }),
      ...(parentTimestamp && { parentTimestamp }),
      createdAt: new Date(branch.created_at),
      // After a restore in place Neon makes the preserved old state the branch's parent, branched at the restore's moment.
      ...(branch.last_reset_at && parentName !== undefined && parentTimestamp && { restoredFrom: { at: parentTimestamp, branch: parentName } }),
      primary: isDefault(branch),
      state: branch.current_state === "ready" || branch.current_state === "archived" ? (branch.pending_state && branch.pending_state !== "ready" ? "init" : "ready") : "init",
    };
  }

  private progress(line: string): void {
    this.#onProgress?.(line);
  }
}

function isDefault(branch: NeonBranch): boolean {
  return branch.default ?? branch.primary ?? false;
}

function defaultBranch(all: NeonBranch[], projectId: string): NeonBranch {
  const found = all.find(isDefault);
  if (!found) throw new RecoveryError("RECOVERY_SETUP", `Neon project ${projectId} has no default branch.`);
  return found;
}

function byName(all: NeonBranch[], name: string): NeonBranch {
  const found = all.find((b) => b.name === name);
  if (!found) throw new BranchNotFoundError(name);
  return found;
}

function assertInside(at: Date, window: RestoreWindow): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new RecoveryError("OUTSIDE_RESTORE_WINDOW", "The moment to restore to is not a valid date.");
  }
  if (at < window.from || at > window.to) throw new OutsideRestoreWindowError(at, window);
}

/**
 * A refusal of a timestamp the window allowed (the server knows better, e.g. history that is not
 * there yet) is still a time outside the window; Neon's message goes into the details.
 */
function outsideIfAboutTime(failure: ApiFailure, at: Date, window: RestoreWindow): RecoveryError | undefined {
  if ((failure.status === 400 || failure.status === 422) && /timestamp|lsn|history|retention|window|before|after|future/i.test(failure.message)) {
    const error = new OutsideRestoreWindowError(at, window);
    error.message = sentence(`${at.toISOString()} is outside the history Neon can restore: ${failure.message}`);
    if (error.details) error.details.reason = failure.message;
    return error;
  }
  return undefined;
}

function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/$/, "")}`;
  } catch {
    throw new RecoveryError("RECOVERY_SETUP", "NEON_API_URL is not a URL.");
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
