import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../http-error.ts";
import type { OperationRunner } from "../operation-runner.ts";
import type { NeonOperation } from "../render.ts";
import { ProjectParams, emulatorRouter, neonJson } from "../router.ts";

/** GET /projects/{project_id}/operations[/{operation_id}]: what clients poll until a change is done. */
export function operationRoutes(operations: OperationRunner) {
  return emulatorRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project_id}/operations",
        request: { params: ProjectParams },
        responses: { 200: neonJson<{ operations: NeonOperation[]; pagination?: { cursor: string } }>("The project's operations, newest first") },
      }),
      (c) => {
        const list = operations.list();
        const last = list.at(-1);
        // Neon's pagination cursor is the oldest listed operation's creation time; all of them fit in one page here.
        return c.json({ operations: list.map((op) => operations.render(op)), ...(last && { pagination: { cursor: last.createdAt.toISOString() } }) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project_id}/operations/{operation_id}",
        request: { params: ProjectParams.extend({ operation_id: z.uuid() }) },
        responses: { 200: neonJson<{ operation: NeonOperation }>("One operation") },
      }),
      (c) => {
        const op = operations.get(c.req.valid("param").operation_id);
        if (!op) throw notFound("operation not found");
        return c.json({ operation: operations.render(op) }, 200);
      },
    );
}
