import { setTimeout as sleep } from "node:timers/promises";
import { createApiClient, type Branch as NeonBranch, type Operation, type Project } from "@neondatabase/api-client";
import { sentence } from "../../text.ts";
import { RecoveryError, RestoreFailedError } from "../provider.ts";
import { type ApiFailure, isRetryable, readFailure, redact } from "./api-errors.ts";
import { awaitOperations } from "./operations.ts";

/**
 * The Neon API as the provider calls it: @neondatabase/api-client with the key kept in private
 * fields, every call retried while Neon says so (423 Locked, 429, 503) and its failure turned
 * into a RecoveryError, the project's branches read page by page, and the operations of a
 * change waited for. The key never travels in a message or detail.
 */

export type NeonClient = ReturnType<typeof createApiClient>;

/** What a failure means for one call, by status (checked before the general cases). */
export type FailureMap = (failure: ApiFailure) => RecoveryError | undefined;

export interface CallOptions {
  /** A change: a failure says nothing was changed, and is RESTORE_FAILED rather than RECOVERY_SETUP. */
  mutating?: boolean;
  map?: FailureMap;
}

export interface NeonApiOptions {
  apiKey: string;
  projectId: string;
  /** The API's base URL; default https://console.neon.tech/api/v2. */
  baseURL?: string;
  pollIntervalMs: number;
  operationTimeoutMs: number;
  retryWaitMs: number;
  requestTimeoutMs: number;
  onProgress?: (line: string) => void;
}

const PAGE_SIZE = 1_000;

export class NeonApi {
  readonly projectId: string;
  /** Where the API is (for messages; it holds no secret). */
  readonly apiUrl: string;
  // Private fields: neither util.inspect nor JSON.stringify shows them, and the client's axios
  // defaults hold the Authorization header.
  readonly #client: NeonClient;
  readonly #apiKey: string;
  readonly #options: NeonApiOptions;

  constructor(options: NeonApiOptions) {
    this.#options = options;
    this.#apiKey = options.apiKey;
    this.projectId = options.projectId;
    this.apiUrl = safeUrl(options.baseURL ?? "https://console.neon.tech/api/v2");
    this.#client = createApiClient({
      apiKey: options.apiKey,
      ...(options.baseURL && { baseURL: options.baseURL }),
      timeout: options.requestTimeoutMs,
    });
  }

  progress(line: string): void {
    this.#options.onProgress?.(line);
  }

  async project(what: string): Promise<Project> {
    return (await this.call(what, (api) => api.getProject(this.projectId))).project;
  }

  /** Every branch of the project, oldest first. */
  async branches(what: string): Promise<NeonBranch[]> {
    const all: NeonBranch[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1_000; page++) {
      const data = await this.call(what, (api) =>
        api.listProjectBranches({ projectId: this.projectId, limit: PAGE_SIZE, sort_by: "created_at", sort_order: "asc", ...(cursor && { cursor }) }),
      );
      all.push(...data.branches);
      const next = data.pagination?.next;
      if (!next || next === cursor || data.branches.length < PAGE_SIZE) break;
      cursor = next;
    }
    return all;
  }

  /** Until every operation a change returned has finished (operations.ts). */
  async wait(operations: Operation[] | undefined, what: string): Promise<void> {
    try {
      await awaitOperations(operations, {
        fetch: async (id) => (await this.call(what, (api) => api.getProjectOperation(this.projectId, id))).operation,
        pollIntervalMs: this.#options.pollIntervalMs,
        timeoutMs: this.#options.operationTimeoutMs,
        what,
        ...(this.#options.onProgress && { onProgress: this.#options.onProgress }),
      });
    } catch (error) {
      if (error instanceof RecoveryError) throw this.scrub(error);
      throw this.scrub(new RestoreFailedError(sentence(`Waiting for Neon's operations failed while ${what}: ${error instanceof Error ? error.message : String(error)}`)));
    }
  }

  /**
   * One API call, retried while Neon says so, its failure translated into a RecoveryError: `map`
   * first, then the general cases. The HTTP client's error object is dropped here, never rethrown.
   */
  async call<T>(what: string, request: (api: NeonClient) => Promise<{ data: T }>, options: CallOptions = {}): Promise<T> {
    const deadline = Date.now() + this.#options.retryWaitMs;
    let delay = 100;
    for (;;) {
      let failure: ApiFailure;
      try {
        return (await request(this.#client)).data;
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

  private translate(failure: ApiFailure, what: string, options: CallOptions): RecoveryError {
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
    if (status === 404 && /\bproject\b/i.test(message) && !/\b(branch|endpoint|operation|database|role|snapshot)\b/i.test(message)) {
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

  /** Defence in depth: even if an API message echoed the key, it leaves no error. */
  private scrub(error: RecoveryError): RecoveryError {
    error.message = redact(error.message, this.#apiKey);
    if (error.details) {
      for (const [key, value] of Object.entries(error.details)) {
        if (typeof value === "string") error.details[key] = redact(value, this.#apiKey);
      }
    }
    return error;
  }
}

function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/$/, "")}`;
  } catch {
    throw new RecoveryError("RECOVERY_SETUP", "NEON_API_URL is not a URL.");
  }
}
