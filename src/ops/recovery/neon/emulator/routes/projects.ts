import { createRoute } from "@hono/zod-openapi";
import type { ProjectResponse } from "@neondatabase/api-client";
import type { EmulatorModel } from "../model.ts";
import { ProjectParams, emulatorRouter, neonJson } from "../router.ts";

/** GET /projects/{project_id}: the project, with the history_retention_seconds restore windows come from. */
export function projectRoutes(model: EmulatorModel) {
  return emulatorRouter().openapi(
    createRoute({
      method: "get",
      path: "/projects/{project_id}",
      request: { params: ProjectParams },
      responses: { 200: neonJson<ProjectResponse>("The project") },
    }),
    (c) => c.json({ project: model.renderProject() }, 200),
  );
}
