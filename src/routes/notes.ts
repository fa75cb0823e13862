import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware.ts";
import { isRecordNotFound } from "../db/errors.ts";
import { inTrash, notDeleted } from "../db/soft-delete.ts";
import { notFound } from "../http/errors.ts";
import { bearer, createRouter, errors, IdParam, jsonBody, jsonResponse } from "../http/openapi.ts";
import { cursorDate, decodeCursor, PageQuery, pageOf, paginate } from "./pagination.ts";
import { deleteOrPurge, deleteQuery } from "./trash.ts";
import { NoteSchema, serialize, TrashedNoteSchema } from "./serializers.ts";

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
const trashSelect = { ...select, deletedAt: true } as const;

const Title = z.string().trim().min(1).max(500);
const Content = z.string().max(100_000);
const ProjectRef = z.string().min(1).max(64);

const CreateNote = z
  .object({ title: Title, content: Content.optional(), pinned: z.boolean().optional(), projectId: ProjectRef.nullable().optional() })
  .openapi("CreateNote");

const UpdateNote = CreateNote.partial()
  .refine((body) => Object.keys(body).length > 0, { message: "Send at least one field to change" })
  .openapi("UpdateNote");

const ListQuery = PageQuery.extend({
  projectId: ProjectRef.optional().openapi({ description: "Only notes of this project" }),
  pinned: z.enum(["true", "false"]).optional().openapi({ description: "Only pinned (true) or unpinned (false) notes" }),
});

const DeleteQuery = deleteQuery("note");

const Key = z.tuple([z.boolean(), cursorDate, z.string()]);
const TrashKey = z.tuple([cursorDate, z.string()]);

/** Rows after (pinned, createdAt, id) in the order pinned first, then newest. */
function after([pinned, createdAt, id]: z.infer<typeof Key>) {
  const sameDay = [{ pinned, createdAt: { lt: createdAt } }, { pinned, createdAt, id: { lt: id } }];
  return { OR: pinned ? [{ pinned: false }, ...sameDay] : sameDay };
}

/** The project a note points to must be the caller's and not in the trash, or it is a 404. */
const connectProject = (projectId: string, userId: string) => ({ project: { connect: { id: projectId, userId, ...notDeleted } } });

/** On create, no project (absent or null) is simply no link. */
const projectOnCreate = (projectId: string | null | undefined, userId: string) => (projectId ? connectProject(projectId, userId) : {});

/** On update, absent leaves the link alone and null removes it. */
const projectOnUpdate = (projectId: string | null | undefined, userId: string) =>
  projectId === undefined ? {} : projectId === null ? { project: { disconnect: true } } : connectProject(projectId, userId);

const isMissingProject = (error: unknown) =>
  isRecordNotFound(error) && /nested connect|'Project'/i.test(String((error as Error).message));

const tags = ["Notes"];
const auth = { security: bearer, middleware: [requireAuth] };

export const noteRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "List your notes, pinned first, then newest",
      ...auth,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(NoteSchema, "NotePage"), "A page of notes"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const { cursor, limit, projectId, pinned } = c.req.valid("query");
      const rows = await c.var.db.note.findMany({
        where: {
          userId: c.var.user.id,
          ...(projectId && { projectId }),
          ...(pinned && { pinned: pinned === "true" }),
          ...(cursor && after(decodeCursor(cursor, Key))),
        },
        orderBy: [{ pinned: "desc" }, { createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
        select,
      });
      const page = paginate(rows, limit, (row) => [row.pinned, row.createdAt.toISOString(), row.id]);
      return c.json({ items: page.items.map(serialize), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/trash",
      tags,
      summary: "Your soft-deleted notes, most recently deleted first",
      ...auth,
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(TrashedNoteSchema, "TrashedNotePage"), "A page of the trash"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid("query");
      const key = cursor ? decodeCursor(cursor, TrashKey) : undefined;
      const rows = await c.var.db.note.findMany({
        where: inTrash({
          userId: c.var.user.id,
          ...(key && { OR: [{ deletedAt: { lt: key[0] } }, { deletedAt: key[0], id: { lt: key[1] } }] }),
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
      summary: "Create a note, optionally in one of your projects",
      ...auth,
      request: { body: jsonBody(CreateNote) },
      responses: { 201: jsonResponse(NoteSchema, "Created"), 400: errors[400], 401: errors[401], 404: errors[404], 413: errors[413] },
    }),
    async (c) => {
      const { projectId, ...fields } = c.req.valid("json");
      const userId = c.var.user.id;
      try {
        const note = await c.var.db.note.create({
          data: { ...fields, user: { connect: { id: userId } }, ...projectOnCreate(projectId, userId) },
          select,
        });
        return c.json(serialize(note), 201);
      } catch (error) {
        if (isRecordNotFound(error)) throw notFound("Project");
        throw error;
      }
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "Read one note",
      ...auth,
      request: { params: IdParam },
      responses: { 200: jsonResponse(NoteSchema, "The note"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const note = await c.var.db.note.findFirst({ where: { id: c.req.valid("param").id, userId: c.var.user.id }, select });
      if (!note) throw notFound("Note");
      return c.json(serialize(note), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a note (title, content, pinned, project)",
      ...auth,
      request: { params: IdParam, body: jsonBody(UpdateNote) },
      responses: { 200: jsonResponse(NoteSchema, "Updated"), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const { projectId, ...fields } = c.req.valid("json");
      const userId = c.var.user.id;
      try {
        const note = await c.var.db.note.update({
          where: { id: c.req.valid("param").id, userId },
          data: { ...fields, ...projectOnUpdate(projectId, userId) },
          select,
        });
        return c.json(serialize(note), 200);
      } catch (error) {
        if (isMissingProject(error)) throw notFound("Project");
        if (isRecordNotFound(error)) throw notFound("Note");
        throw error;
      }
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Move a note to the trash, or with ?permanent=true delete one from the trash for good",
      ...auth,
      request: { params: IdParam, query: DeleteQuery },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const where = { id: c.req.valid("param").id, userId: c.var.user.id };
      const db = c.var.db;
      const ops = {
        softDelete: () => db.note.softDelete(where),
        purge: () => db.note.purge(where),
        isLive: async () => (await db.note.findFirst({ where, select: { id: true } })) !== null,
      };
      await deleteOrPurge(ops, c.req.valid("query").permanent === "true", "note");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/restore",
      tags,
      summary: "Bring a note back from the trash",
      ...auth,
      request: { params: IdParam },
      responses: { 200: jsonResponse(NoteSchema, "Restored"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const where = { id: c.req.valid("param").id, userId: c.var.user.id };
      if ((await c.var.db.note.restore(where)) === 0) throw notFound("Note in the trash");
      const note = await c.var.db.note.findFirst({ where, select });
      if (!note) throw notFound("Note");
      return c.json(serialize(note), 200);
    },
  );
