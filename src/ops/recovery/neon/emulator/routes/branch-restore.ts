import { createRoute, z } from "@hono/zod-openapi";
import type { Branch } from "@neondatabase/api-client";
import { badRequest, nameTaken } from "../http-error.ts";
import { assertInHistory, reachable } from "../history.ts";
import type { EmulatorModel } from "../model.ts";
import type { OperationRunner } from "../operation-runner.ts";
import { type BranchRecord, newId } from "../records.ts";
import type { NeonOperation } from "../render.ts";
import { BranchParams, NeonId, Timestamp, emulatorRouter, jsonBody, neonJson } from "../router.ts";

/**
 * POST /projects/{project_id}/branches/{branch_id}/restore from the branch's own history: the
 * branch keeps its id and compute, takes the state of the moment asked for, and its old state
 * is kept under preserve_under_name, which becomes the branch's parent and takes its children.
 */

const RestoreBody = z
  .object({
    source_branch_id: NeonId,
    source_lsn: z.string().optional(),
    source_timestamp: Timestamp.optional(),
    preserve_under_name: z.string().optional(),
  })
  .loose();

export function branchRestoreRoutes(model: EmulatorModel, operations: OperationRunner) {
  return emulatorRouter().openapi(
    createRoute({
      method: "post",
      path: "/projects/{project_id}/branches/{branch_id}/restore",
      request: { params: BranchParams, body: jsonBody(RestoreBody) },
      responses: { 200: neonJson<{ branch: Branch; operations: NeonOperation[] }>("The branch being restored and the operations doing it") },
    }),
    async (c) => {
      const id = c.req.valid("param").branch_id;
      const target = model.branch(id);
      const request = c.req.valid("json");
      if (request.source_lsn) throw badRequest("source_lsn is not supported by the emulator: use source_timestamp");
      if (request.source_branch_id !== id) throw badRequest("the emulator restores a branch from its own history only: source_branch_id must be the branch's id");
      if (!request.source_timestamp) throw badRequest("source_timestamp or source_lsn is required when source_branch_id is the branch itself");
      const preserveName = request.preserve_under_name;
      if (!preserveName) throw badRequest("preserve_under_name is required when source_branch_id is the branch itself");
      model.assertName(preserveName);
      if (model.nameTaken(preserveName)) throw nameTaken();
      operations.assertNoneRunning();
      if (target.state !== "ready") throw badRequest(`branch ${id} is not ready`);
      const at = new Date(request.source_timestamp);
      await assertInHistory(model, "source_timestamp", at, target);

      const endpoint = model.readWriteEndpoint(target.id);
      const ops = [operations.create("create_timeline", id), ...(endpoint ? [operations.create("start_compute", id, endpoint.id)] : [])];
      const preservedId = newId("br");
      model.reserved.add(preserveName);
      target.busy = true;
      model.setState(target, "resetting");

      operations.run(
        ops,
        async () => {
          const effective = await reachable(model, target, at);
          await model.backend.restoreBranch(target.name, { at: effective, preserveUnderName: preserveName });
        },
        (ok) => {
          model.reserved.delete(preserveName);
          if (ok) {
            const now = new Date();
            const preserved: BranchRecord = {
              id: preservedId,
              name: preserveName,
              ...(target.parentId && { parentId: target.parentId }),
              ...(target.parentTimestamp && { parentTimestamp: target.parentTimestamp }),
              createdAt: now,
              updatedAt: now,
              stateChangedAt: now,
              state: "ready",
              isDefault: false,
              busy: false,
            };
            for (const child of model.childrenOf(target.id)) child.parentId = preservedId;
            model.branches.set(preservedId, preserved);
            Object.assign(target, { parentId: preservedId, parentTimestamp: at.toISOString(), lastResetAt: now, updatedAt: now });
          }
          model.settle(target, "ready");
        },
      );
      return c.json({ branch: model.renderBranch(target), operations: ops.map((op) => operations.render(op)) }, 200);
    },
  );
}
