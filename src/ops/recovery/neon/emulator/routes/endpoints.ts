import { createRoute, z } from "@hono/zod-openapi";
import { badRequest } from "../http-error.ts";
import type { EmulatorModel } from "../model.ts";
import type { OperationRunner } from "../operation-runner.ts";
import { type EndpointRecord, newId } from "../records.ts";
import type { NeonEndpoint, NeonOperation } from "../render.ts";
import { BranchParams, NeonId, ProjectParams, emulatorRouter, jsonBody, neonJson } from "../router.ts";

/**
 * Compute endpoints: one read-write compute per branch (every backend branch is a server of its
 * own); a branch a restore preserved has none until one is created, as on Neon.
 */

const CreateEndpointBody = z.object({ endpoint: z.object({ branch_id: NeonId, type: z.enum(["read_write", "read_only"]) }).loose() }).loose();

export function endpointRoutes(model: EmulatorModel, operations: OperationRunner) {
  const all = (filter: (e: EndpointRecord) => boolean = () => true) => ({ endpoints: [...model.endpoints.values()].filter(filter).map((e) => model.renderEndpoint(e)) });

  return emulatorRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project_id}/branches/{branch_id}/endpoints",
        request: { params: BranchParams },
        responses: { 200: neonJson<{ endpoints: NeonEndpoint[] }>("The branch's computes") },
      }),
      (c) => {
        const branch = model.branch(c.req.valid("param").branch_id);
        return c.json(all((e) => e.branchId === branch.id), 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project_id}/endpoints",
        request: { params: ProjectParams },
        responses: { 200: neonJson<{ endpoints: NeonEndpoint[] }>("The project's computes") },
      }),
      (c) => c.json(all(), 200),
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project_id}/endpoints",
        request: { params: ProjectParams, body: jsonBody(CreateEndpointBody) },
        responses: { 201: neonJson<{ endpoint: NeonEndpoint; operations: NeonOperation[] }>("The compute being started and the operation doing it") },
      }),
      (c) => {
        const request = c.req.valid("json").endpoint;
        if (request.type !== "read_write") throw badRequest("the emulator has no read-only computes");
        const branch = model.branch(request.branch_id);
        if (model.readWriteEndpoint(branch.id)) throw badRequest(`branch ${branch.id} already has a read_write endpoint`);
        operations.assertNoneRunning();
        const now = new Date();
        const endpoint: EndpointRecord = { id: newId("ep"), branchId: branch.id, createdAt: now, updatedAt: now, state: "init" };
        model.endpoints.set(endpoint.id, endpoint);
        const ops = [operations.create("start_compute", branch.id, endpoint.id)];
        operations.run(
          ops,
          () => model.ensureRunning(branch),
          (ok) => {
            if (ok) endpoint.state = "active";
            else model.endpoints.delete(endpoint.id);
          },
        );
        return c.json({ endpoint: model.renderEndpoint(endpoint), operations: ops.map((op) => operations.render(op)) }, 201);
      },
    );
}
