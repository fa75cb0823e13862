import type { Branch as NeonBranch } from "@neondatabase/api-client";
import { type Branch, BranchHasChildrenError, BranchNotFoundError, RecoveryError } from "../provider.ts";
import type { ApiFailure } from "./api-errors.ts";

/** Neon's branches, looked up by name (the interface's currency), and read as the interface's Branch. */

export function isDefault(branch: NeonBranch): boolean {
  return branch.default ?? branch.primary ?? false;
}

export function defaultBranch(all: NeonBranch[], projectId: string): NeonBranch {
  const found = all.find(isDefault);
  if (!found) throw new RecoveryError("RECOVERY_SETUP", `Neon project ${projectId} has no default branch.`);
  return found;
}

export function byName(all: NeonBranch[], name: string): NeonBranch {
  const found = all.find((b) => b.name === name);
  if (!found) throw new BranchNotFoundError(name);
  return found;
}

export function toBranch(branch: NeonBranch, all: NeonBranch[]): Branch {
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
    ...(branch.expires_at && { expiresAt: new Date(branch.expires_at) }),
    state: branch.current_state === "ready" || branch.current_state === "archived" ? (branch.pending_state && branch.pending_state !== "ready" ? "init" : "ready") : "init",
  };
}

/**
 * Neon's refusal to delete a branch others were branched from, as the interface's error, naming
 * the children: from the branch list read before the call, else the ids Neon's message names.
 */
export function childrenRefusal(failure: ApiFailure, target: NeonBranch, all: NeonBranch[]): BranchHasChildrenError | undefined {
  if (!(failure.status === 400 || failure.status === 409 || failure.status === 422) || !/\bchild/i.test(failure.message)) return undefined;
  let children = all.filter((b) => b.parent_id === target.id).map((b) => b.name);
  if (children.length === 0) {
    const ids = [...new Set(failure.message.match(/\bbr-[a-z0-9-]+/g) ?? [])].filter((id) => id !== target.id);
    children = ids.map((id) => all.find((b) => b.id === id)?.name ?? id);
  }
  return new BranchHasChildrenError(target.name, children.length ? children : ["unknown to this client"]);
}
