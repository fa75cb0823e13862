import { createRoute, z } from "@hono/zod-openapi";
import { authenticated } from "../auth/middleware.ts";
import type { Db } from "../db/client.ts";
import type { NoteWhereInput } from "../generated/prisma/models.ts";
import { notFound } from "../http/errors.ts";
import { createRouter, errors, Id, IdParam, jsonBody, jsonResponse } from "../http/openapi.ts";
import { cursorDate, keyset, PageQuery, pageOf } from "../http/pagination.ts";
import { isoDate, serialize } from "../http/serializers.ts";
import { ownedRoutes } from "../http/owned-routes.ts";

export const NoteSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    content: z.string(),
    pinned: z.boolean(),
    projectId: z.string().nullable(),
    project: z.object({ id: z.string(), name: z.string() }).nullable(),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .openapi("Note");
const TrashedNoteSchema = NoteSchema.extend({ deletedAt: isoDate }).openapi("TrashedNote");

// Only the columns the API returns, and the project's name in the same SQL statement.
const select = {
  id: true,
  title: true,
  content: true,
  pinned: true,
  projectId: true,
  project: { select: { id: true, name: true } },
  createdAt: true,
  updatedAt: true,
} as const;

/** The same columns without the project: what an INSERT … RETURNING can give back by itself. */
const { project: _project, ...scalarSelect } = select;

const Title = z.string().trim().min(1).max(500);
const Content = z.string().max(100_000);

const CreateNote = z
  .object({ title: Title, content: Content.optional(), pinned: z.boolean().optional(), projectId: Id.nullable().optional() })
  .openapi("CreateNote");

const UpdateNote = CreateNote.partial()
  .refine((body) => Object.keys(body).length > 0, { message: "Send at least one field to change" })
  .openapi("UpdateNote");

const ListQuery = PageQuery.extend({
  projectId: Id.optional().openapi({ description: "Only notes of this project" }),
  pinned: z.enum(["true", "false"]).optional().openapi({ description: "Only pinned (true) or unpinned (false) notes" }),
});

/** Pinned first, then newest. */
const pinnedThenNewest = keyset<NoteWhereInput, ["pinned", "createdAt", "id"]>(
  ["pinned", "createdAt", "id"],
  z.tuple([z.boolean(), cursorDate, Id]),
);

/**
 * The project a note points to, as a note shows it: the caller's and not in the trash (the
 * soft-delete extension adds `deletedAt: null`), or null.
 */
const findOwnProject = (db: Db, id: string, userId: string) => db.project.findFirst({ where: { id, userId }, select: { id: true, name: true } });

const tags = ["Notes"];

export const noteRoutes = createRouter()
  .route("/", ownedRoutes({ model: "Note", tags, delegate: (db) => db.note, select, schema: NoteSchema, trashedSchema: TrashedNoteSchema }))
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "List your notes, pinned first, then newest",
      ...authenticated,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(NoteSchema, "NotePage"), "A page of notes"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const { projectId, pinned, ...page } = c.req.valid("query");
      const filter = { userId: c.var.user.id, ...(projectId && { projectId }), ...(pinned && { pinned: pinned === "true" }) };
      return c.json(await pinnedThenNewest.fetch(page, (q) => c.var.db.note.findMany({ ...q, where: { ...filter, ...q.where }, select })), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a note, optionally in one of your projects",
      ...authenticated,
      request: { body: jsonBody(CreateNote) },
      responses: { 201: jsonResponse(NoteSchema, "Created"), 400: errors[400], 401: errors[401], 404: errors[404], 413: errors[413] },
    }),
    async (c) => {
      const { projectId, ...fields } = c.req.valid("json");
      const userId = c.var.user.id;
      // The project must be the caller's and live: one read, which also brings the name the
      // answer shows, then a plain INSERT … RETURNING. Nested connects and a relation in the
      // insert's select cost a transaction around lookups of the user and the project and a read
      // back (BEGIN, two SELECTs, INSERT, SELECT, COMMIT; bench/analysis.md), and lock nothing more
      // than this does (the foreign key still refuses a project deleted in between).
      const project = projectId ? await findOwnProject(c.var.db, projectId, userId) : null;
      if (projectId && !project) throw notFound("Project");
      const { createdAt, updatedAt, ...note } = await c.var.db.note.create({ data: { ...fields, userId, projectId: projectId ?? null }, select: scalarSelect });
      return c.json(serialize({ ...note, project, createdAt, updatedAt }), 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a note (title, content, pinned, project)",
      ...authenticated,
      request: { params: IdParam, body: jsonBody(UpdateNote) },
      responses: { 200: jsonResponse(NoteSchema, "Updated"), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const { projectId, ...fields } = c.req.valid("json");
      const userId = c.var.user.id;
      // As on create: a new project is checked (the caller's, live) by the read that brings its
      // name, then one plain UPDATE … RETURNING; a note keeping its project reads it after. A
      // relation in the update's select costs a transaction around the UPDATE and a read back.
      const moved = projectId ? await findOwnProject(c.var.db, projectId, userId) : null;
      if (projectId && !moved) throw notFound("Project");
      const { createdAt, updatedAt, ...note } = await c.var.db.note.update({
        where: { id: c.req.valid("param").id, userId },
        data: { ...fields, ...(projectId !== undefined && { projectId }) },
        select: scalarSelect,
      });
      const project = projectId !== undefined ? moved : note.projectId ? await findOwnProject(c.var.db, note.projectId, userId) : null;
      return c.json(serialize({ ...note, project, createdAt, updatedAt }), 200);
    },
  );
