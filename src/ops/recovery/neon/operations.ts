import { setTimeout as sleep } from "node:timers/promises";
import type { Operation } from "@neondatabase/api-client";
import { oneLine } from "../../text.ts";
import { RestoreFailedError } from "../provider.ts";

/**
 * Neon answers a change (create, restore, delete a branch, start a compute) at once and does the
 * work in operations. The change is only done, and its branch only usable, once every operation
 * it returned has finished, so each one is polled with GET /projects/{id}/operations/{op_id}.
 *
 * Terminal statuses in Neon's reference: finished, skipped, cancelled. `failed` is not terminal:
 * Neon may retry it (then `retry_at` is set). A failed operation with no retry due before our
 * deadline, an `error`, or a cancellation fails the change.
 */

const SUCCEEDED = new Set(["finished", "skipped"]);
const ABANDONED = new Set(["error", "cancelling", "cancelled"]);

export interface AwaitOptions {
  /** GET one operation by id (the caller translates API errors). */
  fetch: (id: string) => Promise<Operation>;
  pollIntervalMs: number;
  timeoutMs: number;
  /** What the operations do, for messages: `restoring branch "main"`. */
  what: string;
  onProgress?: (line: string) => void;
}

export async function awaitOperations(operations: Operation[] | undefined, options: AwaitOptions): Promise<void> {
  const pending = new Map((operations ?? []).map((op) => [op.id, op]));
  const deadline = Date.now() + options.timeoutMs;
  let reported = false;
  for (;;) {
    for (const [id, op] of pending) {
      if (SUCCEEDED.has(op.status)) {
        pending.delete(id);
        continue;
      }
      const retryDue = op.retry_at ? Date.parse(op.retry_at) : Number.NaN;
      if (ABANDONED.has(op.status) || (op.status === "failed" && !(retryDue <= deadline))) throw failed(op, options.what);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      const op = pending.values().next().value as Operation;
      throw new RestoreFailedError(
        `Neon's ${op.action} operation ${op.id} (${options.what}) was still "${op.status}" after ${Math.round(options.timeoutMs / 1000)} s; it may still finish, so check the branch before retrying.`,
        { operation: op.id, action: op.action, status: op.status },
      );
    }
    if (!reported) {
      options.onProgress?.(`Waiting for Neon: ${[...pending.values()].map((op) => `${op.action} (${op.status})`).join(", ")} ...`);
      reported = true;
    }
    await sleep(options.pollIntervalMs);
    for (const id of pending.keys()) pending.set(id, await options.fetch(id));
  }
}

function failed(op: Operation, what: string): RestoreFailedError {
  const reason = op.error ? `: ${oneLine(op.error).replace(/\.$/, "")}` : "";
  return new RestoreFailedError(`Neon's ${op.action} operation ${op.id} (${what}) ended "${op.status}"${reason}.`, {
    operation: op.id,
    action: op.action,
    status: op.status,
    ...(op.error && { error: op.error }),
    ...(op.branch_id && { branchId: op.branch_id }),
  });
}
