import { createRoute, z } from "@hono/zod-openapi";
import type { ConnectionURIResponse } from "@neondatabase/api-client";
import { badRequest, locked, notFound } from "../http-error.ts";
import type { EmulatorModel } from "../model.ts";
import { NeonId, ProjectParams, emulatorRouter, neonJson } from "../router.ts";

/**
 * GET /projects/{project_id}/connection_uri: the backend's connection string of a branch's
 * compute. The emulator has no pooler, so pooled and direct URIs are the same.
 */

const ConnectionQuery = z.object({
  branch_id: NeonId.optional(),
  endpoint_id: NeonId.optional(),
  database_name: z.string().min(1),
  role_name: z.string().min(1),
  pooled: z
    .enum(["true", "false"])
    .optional()
    .transform((value) => value === "true"),
});

export function connectionUriRoutes(model: EmulatorModel) {
  return emulatorRouter().openapi(
    createRoute({
      method: "get",
      path: "/projects/{project_id}/connection_uri",
      request: { params: ProjectParams, query: ConnectionQuery },
      responses: { 200: neonJson<ConnectionURIResponse>("The connection URI") },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const branch = query.branch_id ? model.branch(query.branch_id) : model.defaultBranch();
      const endpoint = query.endpoint_id ? model.endpoints.get(query.endpoint_id) : model.readWriteEndpoint(branch.id);
      if (!endpoint) throw notFound(query.endpoint_id ? "endpoint not found" : `read_write endpoint not found for branch ${branch.id}`);
      if (endpoint.branchId !== branch.id) throw badRequest(`endpoint ${endpoint.id} does not belong to branch ${branch.id}`);
      if (endpoint.state === "init") throw locked(`endpoint ${endpoint.id} is still starting`);
      if (query.role_name !== model.role) throw notFound(`role ${query.role_name} not found`);
      await model.ensureRunning(branch);
      const uri = await model.backend.connectionString(branch.name, { database: query.database_name, pooled: query.pooled });
      return c.json({ uri }, 200);
    },
  );
}
