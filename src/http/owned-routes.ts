import { createRoute, z } from "@hono/zod-openapi";
import { authenticated } from "../auth/middleware.ts";
import type { Db } from "../db/client.ts";
import { inTrash } from "../db/soft-delete.ts";
import { ApiError, humanize, notFound } from "./errors.ts";
import { createRouter, errors, Id, IdParam, jsonResponse } from "./openapi.ts";
import { cursorDate, keyset, PageQuery, pageOf } from "./pagination.ts";
import { serialize } from "./serializers.ts";

/**
 * The routes every soft-deletable resource a user owns has, the same way: GET /{id} reads one
 * live row, GET /trash lists the trash (most recently deleted first), DELETE /{id} moves a live
 * row there, DELETE /{id}?permanent=true deletes a row already there for good (409 for a live
 * one), POST /{id}/restore brings one back. Another user's row is a 404 like a missing one.
 * The resource mounts them first (before any /{id} route of its own) and adds its list, create
 * and update.
 */
type Owned = { id: string; userId: string };
type Row = Record<string, unknown>;

/** A Prisma model delegate with the soft-delete extension's trash methods (db.note, db.project). */
export interface SoftDeletable {
  findMany(args: { where: object; orderBy: object[]; take: number; select: object }): Promise<Row[]>;
  findFirst(args: { where: object; select: object }): Promise<Row | null>;
  softDelete(where: Owned): Promise<number>;
  restore(where: Owned): Promise<number>;
  purge(where: Owned): Promise<number>;
}

export interface OwnedSpec<Live extends z.ZodObject, Trashed extends z.ZodObject> {
  /** The model's name, as Prisma has it: "Note", "Project". */
  model: string;
  tags: string[];
  delegate: (db: Db) => SoftDeletable;
  /** The columns the API returns for a live row; the trash adds deletedAt. */
  select: object;
  schema: Live;
  trashedSchema: Trashed;
}

const byDeletion = keyset<object, ["deletedAt", "id"]>(["deletedAt", "id"], z.tuple([cursorDate, Id]));

export function ownedRoutes<Live extends z.ZodObject, Trashed extends z.ZodObject>(spec: OwnedSpec<Live, Trashed>) {
  const label = humanize(spec.model);
  const what = label.toLowerCase();
  const { tags } = spec;
  const trashSelect = { ...spec.select, deletedAt: true };
  const DeleteQuery = z.object({
    permanent: z.enum(["true", "false"]).default("false").openapi({ description: `true: delete for good; only for a ${what} already in the trash` }),
  });
  const TrashPage = pageOf(spec.trashedSchema, `Trashed${spec.model}Page`);

  return createRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/trash",
        tags,
        summary: `Your soft-deleted ${what}s, most recently deleted first`,
        ...authenticated,
        request: { query: PageQuery },
        responses: { 200: jsonResponse(TrashPage, "A page of the trash"), 400: errors[400], 401: errors[401] },
      }),
      async (c) => {
        const model = spec.delegate(c.var.db);
        const page = await byDeletion.fetch(c.req.valid("query"), async (q) => {
          const rows = await model.findMany({ ...q, where: inTrash({ userId: c.var.user.id, ...q.where }), select: trashSelect });
          return rows as { deletedAt: Date; id: string }[];
        });
        return c.json(page as z.infer<typeof TrashPage>, 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/{id}",
        tags,
        summary: `Read one ${what}`,
        ...authenticated,
        request: { params: IdParam },
        responses: { 200: jsonResponse(spec.schema, `The ${what}`), 400: errors[400], 401: errors[401], 404: errors[404] },
      }),
      async (c) => {
        const row = await spec.delegate(c.var.db).findFirst({ where: { id: c.req.valid("param").id, userId: c.var.user.id }, select: spec.select });
        if (!row) throw notFound(label);
        return c.json(serialize(row) as z.infer<Live>, 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/{id}",
        tags,
        summary: `Move a ${what} to the trash, or with ?permanent=true delete one from the trash for good`,
        ...authenticated,
        request: { params: IdParam, query: DeleteQuery },
        responses: { 204: { description: "Deleted" }, 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
      }),
      async (c) => {
        const where = { id: c.req.valid("param").id, userId: c.var.user.id };
        const model = spec.delegate(c.var.db);
        if (c.req.valid("query").permanent === "false") {
          if ((await model.softDelete(where)) === 0) throw notFound(label);
        } else if ((await model.purge(where)) === 0) {
          const live = await model.findFirst({ where, select: { id: true } });
          if (live) throw new ApiError(409, "NOT_IN_TRASH", `Only a ${what} in the trash can be deleted permanently; delete it first`);
          throw notFound(label);
        }
        return c.body(null, 204);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/{id}/restore",
        tags,
        summary: `Bring a ${what} back from the trash`,
        ...authenticated,
        request: { params: IdParam },
        responses: { 200: jsonResponse(spec.schema, "Restored"), 400: errors[400], 401: errors[401], 404: errors[404] },
      }),
      async (c) => {
        const where = { id: c.req.valid("param").id, userId: c.var.user.id };
        const model = spec.delegate(c.var.db);
        if ((await model.restore(where)) === 0) throw notFound(`${label} in the trash`);
        const row = await model.findFirst({ where, select: spec.select });
        if (!row) throw notFound(label);
        return c.json(serialize(row) as z.infer<Live>, 200);
      },
    );
}
