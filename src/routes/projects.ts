import { createRoute, z } from "@hono/zod-openapi";
import { authenticated } from "../auth/middleware.ts";
import type { ProjectWhereInput } from "../generated/prisma/models.ts";
import { createRouter, errors, Id, IdParam, jsonBody, jsonResponse } from "../http/openapi.ts";
import { cursorDate, keyset, PageQuery, pageOf } from "../http/pagination.ts";
import { isoDate, serialize } from "../http/serializers.ts";
import { ownedRoutes } from "../http/owned-routes.ts";

export const ProjectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(["ACTIVE", "ARCHIVED"]),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .openapi("Project");
const TrashedProjectSchema = ProjectSchema.extend({ deletedAt: isoDate }).openapi("TrashedProject");

const select = { id: true, name: true, description: true, status: true, createdAt: true, updatedAt: true } as const;

const CreateProject = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).nullable().optional(),
    status: z.enum(["ACTIVE", "ARCHIVED"]).optional(),
  })
  .openapi("CreateProject");

const UpdateProject = CreateProject.partial()
  .refine((body) => Object.keys(body).length > 0, { message: "Send at least one field to change" })
  .openapi("UpdateProject");

const newestFirst = keyset<ProjectWhereInput, ["createdAt", "id"]>(["createdAt", "id"], z.tuple([cursorDate, Id]));

const tags = ["Projects"];

export const projectRoutes = createRouter()
  .route(
    "/",
    ownedRoutes({ model: "Project", tags, delegate: (db) => db.project, select, schema: ProjectSchema, trashedSchema: TrashedProjectSchema }),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "List your projects, newest first",
      ...authenticated,
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(ProjectSchema, "ProjectPage"), "A page of projects"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const userId = c.var.user.id;
      return c.json(await newestFirst.fetch(c.req.valid("query"), (q) => c.var.db.project.findMany({ ...q, where: { userId, ...q.where }, select })), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a project",
      ...authenticated,
      request: { body: jsonBody(CreateProject) },
      responses: { 201: jsonResponse(ProjectSchema, "Created"), 400: errors[400], 401: errors[401], 413: errors[413] },
    }),
    async (c) => {
      const project = await c.var.db.project.create({ data: { ...c.req.valid("json"), userId: c.var.user.id }, select });
      return c.json(serialize(project), 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a project",
      ...authenticated,
      request: { params: IdParam, body: jsonBody(UpdateProject) },
      responses: { 200: jsonResponse(ProjectSchema, "Updated"), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const where = { id: c.req.valid("param").id, userId: c.var.user.id };
      const project = await c.var.db.project.update({ where, data: c.req.valid("json"), select });
      return c.json(serialize(project), 200);
    },
  );
