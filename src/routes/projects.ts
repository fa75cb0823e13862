import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware.ts";
import { inTrash } from "../db/soft-delete.ts";
import { notFound, orNotFound } from "../http/errors.ts";
import { bearer, createRouter, errors, IdParam, jsonBody, jsonResponse } from "../http/openapi.ts";
import { cursorDate, decodeCursor, PageQuery, pageOf, paginate } from "./pagination.ts";
import { deleteOrPurge, deleteQuery } from "./trash.ts";
import { ProjectSchema, serialize, TrashedProjectSchema } from "./serializers.ts";

const select = { id: true, name: true, description: true, status: true, createdAt: true, updatedAt: true } as const;
const trashSelect = { ...select, deletedAt: true } as const;

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

const DeleteQuery = deleteQuery("project");

const Key = z.tuple([cursorDate, z.string()]);

const tags = ["Projects"];
const auth = { security: bearer, middleware: [requireAuth] };

export const projectRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "List your projects, newest first",
      ...auth,
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(ProjectSchema, "ProjectPage"), "A page of projects"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid("query");
      const after = cursor ? decodeCursor(cursor, Key) : undefined;
      const rows = await c.var.db.project.findMany({
        where: {
          userId: c.var.user.id,
          ...(after && { OR: [{ createdAt: { lt: after[0] } }, { createdAt: after[0], id: { lt: after[1] } }] }),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
        select,
      });
      const page = paginate(rows, limit, (row) => [row.createdAt.toISOString(), row.id]);
      return c.json({ items: page.items.map(serialize), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/trash",
      tags,
      summary: "Your soft-deleted projects, most recently deleted first",
      ...auth,
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(TrashedProjectSchema, "TrashedProjectPage"), "A page of the trash"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid("query");
      const after = cursor ? decodeCursor(cursor, Key) : undefined;
      const rows = await c.var.db.project.findMany({
        where: inTrash({
          userId: c.var.user.id,
          ...(after && { OR: [{ deletedAt: { lt: after[0] } }, { deletedAt: after[0], id: { lt: after[1] } }] }),
        }),
        orderBy: [{ deletedAt: "desc" }, { id: "desc" }],
        take: limit + 1,
        select: trashSelect,
      });
      const page = paginate(rows, limit, (row) => [(row.deletedAt as Date).toISOString(), row.id]);
      return c.json({ items: page.items.map((row) => serialize({ ...row, deletedAt: row.deletedAt as Date })), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a project",
      ...auth,
      request: { body: jsonBody(CreateProject) },
      responses: { 201: jsonResponse(ProjectSchema, "Created"), 400: errors[400], 401: errors[401], 413: errors[413] },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const project = await c.var.db.project.create({ data: { ...body, userId: c.var.user.id }, select });
      return c.json(serialize(project), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "Read one project",
      ...auth,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ProjectSchema, "The project"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const project = await c.var.db.project.findFirst({ where: { id: c.req.valid("param").id, userId: c.var.user.id }, select });
      if (!project) throw notFound("Project");
      return c.json(serialize(project), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a project",
      ...auth,
      request: { params: IdParam, body: jsonBody(UpdateProject) },
      responses: { 200: jsonResponse(ProjectSchema, "Updated"), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const where = { id: c.req.valid("param").id, userId: c.var.user.id };
      const project = await orNotFound(c.var.db.project.update({ where, data: c.req.valid("json"), select }), "Project");
      return c.json(serialize(project), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Move a project to the trash, or with ?permanent=true delete one from the trash for good",
      ...auth,
      request: { params: IdParam, query: DeleteQuery },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const where = { id: c.req.valid("param").id, userId: c.var.user.id };
      const db = c.var.db;
      const ops = {
        softDelete: () => db.project.softDelete(where),
        purge: () => db.project.purge(where),
        isLive: async () => (await db.project.findFirst({ where, select: { id: true } })) !== null,
      };
      await deleteOrPurge(ops, c.req.valid("query").permanent === "true", "project");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/restore",
      tags,
      summary: "Bring a project back from the trash",
      ...auth,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ProjectSchema, "Restored"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const where = { id: c.req.valid("param").id, userId: c.var.user.id };
      if ((await c.var.db.project.restore(where)) === 0) throw notFound("Project in the trash");
      const project = await c.var.db.project.findFirst({ where, select });
      if (!project) throw notFound("Project");
      return c.json(serialize(project), 200);
    },
  );
