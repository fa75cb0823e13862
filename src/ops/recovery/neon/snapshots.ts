import type { Branch as NeonBranch, Snapshot as NeonSnapshot } from "@neondatabase/api-client";
import { oneLine, sentence } from "../../text.ts";
import { type CreateSnapshotOptions, type Snapshot, BranchNotFoundError, RecoveryError, SnapshotNotFoundError } from "../provider.ts";
import type { ApiFailure } from "./api-errors.ts";
import { byName, defaultBranch } from "./branches.ts";
import type { NeonApi } from "./neon-api.ts";
import { assertInside, outsideIfAboutTime, windowOf } from "./restore-window.ts";

/**
 * Neon's snapshots (API v2, Beta): a kept copy of a branch at a moment, listed per project and
 * kept after its branch is deleted, until it is deleted or its expires_at passes.
 *
 * - create  POST   /projects/{p}/branches/{b}/snapshot?name&timestamp&expires_at (query parameters, no body)
 * - list    GET    /projects/{p}/snapshots
 * - delete  DELETE /projects/{p}/snapshots/{id}
 *
 * Neon's documented limits, not checked here (Neon's refusal comes back as RESTORE_FAILED with its
 * message): manual snapshots only of root branches, and at most 10 of them per project (1 on Free).
 */

const SNAPSHOT_ID = /^[a-z0-9-]{1,60}$/;
const MAX_NAME = 256;

export async function createSnapshot(neon: NeonApi, name: string, options: CreateSnapshotOptions = {}): Promise<Snapshot> {
  assertSnapshotName(name);
  const { at, expiresAt } = options;
  if (expiresAt !== undefined && !(expiresAt instanceof Date && expiresAt.getTime() > Date.now())) {
    throw new RecoveryError("INVALID_SNAPSHOT", `A snapshot must expire in the future, not at ${isValid(expiresAt) ? expiresAt.toISOString() : "an invalid date"}.`, {
      snapshot: name,
    });
  }
  const what = `taking snapshot "${name}"`;
  const [project, all] = await Promise.all([at ? neon.project(what) : undefined, neon.branches(what)]);
  const source = options.branch === undefined ? defaultBranch(all, neon.projectId) : byName(all, options.branch);
  const window = at && project ? windowOf(project, source) : undefined;
  if (at && window) assertInside(at, window);

  neon.progress(`Taking snapshot "${name}" of branch "${source.name}"${at ? ` at ${at.toISOString()}` : ""} ...`);
  const created = await neon.call(
    what,
    (api) =>
      api.createSnapshot({
        projectId: neon.projectId,
        branchId: source.id,
        name,
        ...(at && { timestamp: at.toISOString() }),
        ...(expiresAt && { expires_at: expiresAt.toISOString() }),
      }),
    {
      mutating: true,
      map: (failure) => {
        if (failure.status === 404 && /\bbranch\b/i.test(failure.message)) return new BranchNotFoundError(source.name);
        if (expiresAt && (failure.status === 400 || failure.status === 422) && /expires?_?at|expir/i.test(failure.message)) return invalid(name, failure);
        return at && window ? outsideIfAboutTime(failure, at, window) : undefined;
      },
    },
  );
  await neon.wait(created.operations, what);
  // Neon's create answer may leave the moment out; it is the one asked for, or the head at creation.
  return toSnapshot(created.snapshot, all, at);
}

/** Newest first by creation (a stable sort: Neon's own order stays among equal seconds). */
export async function listSnapshots(neon: NeonApi): Promise<Snapshot[]> {
  const what = "listing snapshots";
  const [data, all] = await Promise.all([neon.call(what, (api) => api.listSnapshots(neon.projectId)), neon.branches(what)]);
  return data.snapshots.map((snapshot) => toSnapshot(snapshot, all)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

export async function deleteSnapshot(neon: NeonApi, id: string): Promise<void> {
  // Not a Neon id: no snapshot can have it (and it never becomes part of a URL).
  if (!SNAPSHOT_ID.test(id)) throw new SnapshotNotFoundError(id);
  const what = `deleting snapshot ${id}`;
  neon.progress(`Deleting snapshot ${id} ...`);
  const data = await neon.call(what, (api) => api.deleteSnapshot(neon.projectId, id), {
    mutating: true,
    map: (failure) => (failure.status === 404 ? new SnapshotNotFoundError(id) : undefined),
  });
  // A 204 (already gone) has no body.
  await neon.wait(data && typeof data === "object" ? data.operations : [], what);
}

export function toSnapshot(snapshot: NeonSnapshot, all: NeonBranch[], asked?: Date): Snapshot {
  const createdAt = new Date(snapshot.created_at);
  const sourceBranch = snapshot.source_branch_id ? (all.find((b) => b.id === snapshot.source_branch_id)?.name ?? snapshot.source_branch_id) : undefined;
  return {
    id: snapshot.id,
    name: snapshot.name,
    ...(sourceBranch !== undefined && { sourceBranch }),
    at: snapshot.timestamp ? new Date(snapshot.timestamp) : (asked ?? createdAt),
    createdAt,
    ...(snapshot.expires_at && { expiresAt: new Date(snapshot.expires_at) }),
  };
}

function assertSnapshotName(name: string): void {
  if (typeof name !== "string" || !name.trim() || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new RecoveryError("INVALID_SNAPSHOT", `A snapshot name must be 1 to ${MAX_NAME} characters without control characters.`, {
      snapshot: typeof name === "string" ? oneLine(name).slice(0, 80) : String(name),
    });
  }
}

function invalid(name: string, failure: ApiFailure): RecoveryError {
  return new RecoveryError("INVALID_SNAPSHOT", sentence(`Neon refused snapshot "${name}": ${failure.message}`), { snapshot: name, neonMessage: failure.message });
}

const isValid = (date: unknown): date is Date => date instanceof Date && !Number.isNaN(date.getTime());
