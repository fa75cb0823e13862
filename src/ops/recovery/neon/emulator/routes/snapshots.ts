import { createRoute, z } from "@hono/zod-openapi";
import type { Snapshot } from "@neondatabase/api-client";
import { badRequest } from "../http-error.ts";
import { assertInHistory, reachable } from "../history.ts";
import type { EmulatorModel } from "../model.ts";
import type { OperationRunner } from "../operation-runner.ts";
import { type SnapshotRecord, newId } from "../records.ts";
import type { NeonOperation } from "../render.ts";
import { BranchParams, NeonId, ProjectParams, Timestamp, emulatorRouter, neonJson } from "../router.ts";

/**
 * Neon's snapshots (Beta in Neon's API): take one of a branch at a moment of its history, list the
 * project's, delete one. A snapshot here is a record of (branch, moment): a timestamp is checked
 * against the branch's history the way a branch at a timestamp is (history.ts), and the backend's
 * WAL is archived up to the moment while its operation runs, so the backend holds what it points at.
 * It outlives its branch, as on Neon, and is gone once its expires_at has passed (model.sync).
 * Restoring from a snapshot is not emulated.
 */

/** Neon takes these as query parameters of the POST (the client sends no body). */
const CreateQuery = z.object({
  lsn: z.string().optional(),
  timestamp: Timestamp.optional(),
  name: z.string().min(1).max(256).optional(),
  expires_at: Timestamp.optional(),
});

const SnapshotParams = ProjectParams.extend({ snapshot_id: NeonId });

export function snapshotRoutes(model: EmulatorModel, operations: OperationRunner) {
  const render = (ops: ReturnType<OperationRunner["create"]>[]) => ops.map((op) => operations.render(op));

  return emulatorRouter()
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project_id}/branches/{branch_id}/snapshot",
        request: { params: BranchParams, query: CreateQuery },
        responses: { 200: neonJson<{ snapshot: Snapshot; operations: NeonOperation[] }>("The snapshot being taken and the operation doing it") },
      }),
      async (c) => {
        const query = c.req.valid("query");
        if (query.lsn) throw badRequest(query.timestamp ? "lsn cannot be used with timestamp" : "lsn is not supported by the emulator: use timestamp");
        const branch = model.branch(c.req.valid("param").branch_id);
        operations.assertNoneRunning();
        if (branch.state !== "ready") throw badRequest(`branch ${branch.id} is not ready`);
        const now = new Date();
        if (query.expires_at && Date.parse(query.expires_at) <= now.getTime()) throw badRequest(`expires_at ${query.expires_at} has already passed`);
        // The head (no timestamp) is always there, as for a branch of the head: even before the
        // backend has any history to restore a moment from.
        const at = query.timestamp === undefined ? undefined : new Date(query.timestamp);
        if (at) await assertInHistory(model, "timestamp", at, branch);

        const id = newId("snap");
        const snapshot: SnapshotRecord = {
          id,
          name: query.name ?? id,
          sourceBranchId: branch.id,
          timestamp: (at ?? now).toISOString(),
          createdAt: now,
          ...(query.expires_at && { expiresAt: new Date(query.expires_at).toISOString() }),
          pending: true,
        };
        model.snapshots.set(id, snapshot);
        const ops = [operations.create("create_timeline", branch.id)];
        operations.run(
          ops,
          // Into the backend's WAL archive: what the moment holds (all committed so far, for the head).
          async () => {
            if (at) await reachable(model, branch, at);
            else await model.backend.archiveCurrentWal?.(branch.name).catch(() => undefined);
          },
          (ok) => {
            if (ok) snapshot.pending = false;
            else model.snapshots.delete(id);
          },
        );
        return c.json({ snapshot: model.renderSnapshot(snapshot), operations: render(ops) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project_id}/snapshots",
        request: { params: ProjectParams },
        responses: { 200: neonJson<{ snapshots: Snapshot[] }>("The project's snapshots, newest first") },
      }),
      (c) => {
        // Newest first, as Neon lists them; among equal times the one taken later first.
        const list = [...model.snapshots.values()].reverse().sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
        return c.json({ snapshots: list.map((snapshot) => model.renderSnapshot(snapshot)) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/projects/{project_id}/snapshots/{snapshot_id}",
        request: { params: SnapshotParams },
        responses: { 200: neonJson<{ operations: NeonOperation[] }>("The operation deleting the snapshot") },
      }),
      (c) => {
        const snapshot = model.snapshot(c.req.valid("param").snapshot_id);
        operations.assertNoneRunning();
        const ops = [operations.create("delete_timeline", snapshot.sourceBranchId)];
        operations.run(
          ops,
          async () => {},
          (ok) => {
            if (ok) model.snapshots.delete(snapshot.id);
          },
        );
        return c.json({ operations: render(ops) }, 200);
      },
    );
}
