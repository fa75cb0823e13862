import { createRoute, z } from "@hono/zod-openapi";
import type { AnnotationData, Branch, Database, Role } from "@neondatabase/api-client";
import { HttpError, badRequest, nameTaken } from "../http-error.ts";
import { assertInHistory, reachable } from "../history.ts";
import type { EmulatorModel } from "../model.ts";
import type { OperationRunner } from "../operation-runner.ts";
import { type BranchRecord, type EndpointRecord, newId } from "../records.ts";
import { type NeonEndpoint, type NeonOperation, renderAnnotation, renderRoleAndDatabase } from "../render.ts";
import { BranchParams, NeonId, ProjectParams, Timestamp, emptyBodyIsNone, emulatorRouter, jsonBody, neonJson } from "../router.ts";

/**
 * The branches of the project: list (Neon's sort, search and cursor pages), create (from a
 * parent, at a timestamp, with a read-write compute and an expires_at), read, update (expires_at),
 * delete. Restores are in
 * branch-restore.ts.
 */

const SORT_FIELDS = ["name", "created_at", "updated_at"] as const;

/** Neon's cursor is opaque; here it is the offset of the next page. */
const Cursor = z.string().transform((text, ctx) => {
  const offset = Number(Buffer.from(text, "base64url").toString());
  if (Number.isInteger(offset) && offset >= 0) return offset;
  ctx.addIssue({ code: "custom", message: "invalid cursor" });
  return z.NEVER;
});
const encodeCursor = (offset: number) => Buffer.from(String(offset)).toString("base64url");

const ListQuery = z.object({
  search: z.string().optional(),
  sort_by: z.enum(SORT_FIELDS).default("updated_at"),
  sort_order: z.enum(["asc", "desc"]).default("desc"),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  cursor: Cursor.optional(),
});

const CreateBranchBody = z
  .object({
    branch: z
      .object({
        name: z.string().min(1).max(256).optional(),
        parent_id: NeonId.optional(),
        parent_lsn: z.string().optional(),
        parent_timestamp: Timestamp.optional(),
        init_source: z.string().optional(),
        expires_at: Timestamp.optional(),
      })
      .loose()
      .optional(),
    endpoints: z.array(z.object({ type: z.enum(["read_write", "read_only"]) }).loose()).optional(),
  })
  .loose();

/** Neon's branch update, as far as the emulator keeps: the expiry (null removes it). */
const UpdateBranchBody = z.object({ branch: z.object({ expires_at: Timestamp.nullable().optional() }).loose() }).loose();

interface BranchesPage {
  branches: Branch[];
  annotations: Record<string, AnnotationData>;
  pagination?: { next?: string; sort_by: string; sort_order: string };
}
interface CreatedBranch {
  branch: Branch;
  endpoints: NeonEndpoint[];
  operations: NeonOperation[];
  roles: Role[];
  databases: Database[];
}
interface BranchOperations {
  branch: Branch;
  operations: NeonOperation[];
}

/**
 * Neon's rule for a branch's expires_at: in the future and at most 30 days out (Neon's docs on
 * branch expiration: "up to 30 days from the current time"); answered as Neon answers a bad field.
 */
const MAX_EXPIRY_MS = 30 * 86_400_000;
function assertExpiry(expiresAt: Date, now = Date.now()): Date {
  if (expiresAt.getTime() <= now) throw badRequest(`expires_at ${expiresAt.toISOString()} must be in the future`);
  if (expiresAt.getTime() > now + MAX_EXPIRY_MS) throw badRequest(`expires_at ${expiresAt.toISOString()} must be at most 30 days from now`);
  return expiresAt;
}

export function branchRoutes(model: EmulatorModel, operations: OperationRunner) {
  const render = (ops: ReturnType<OperationRunner["create"]>[]) => ops.map((op) => operations.render(op));

  return emulatorRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project_id}/branches",
        request: { params: ProjectParams, query: ListQuery },
        responses: { 200: neonJson<BranchesPage>("The project's branches") },
      }),
      (c) => {
        const query = c.req.valid("query");
        const order = query.sort_order === "asc" ? 1 : -1;
        const key = (b: BranchRecord) => (query.sort_by === "name" ? b.name : query.sort_by === "created_at" ? b.createdAt.toISOString() : b.updatedAt.toISOString());
        const search = query.search?.toLowerCase();
        let list = [...model.branches.values()]
          .filter((b) => !search || b.name.toLowerCase().includes(search) || b.id.includes(search))
          .sort((a, b) => (key(a) < key(b) ? -order : key(a) > key(b) ? order : a.id < b.id ? -1 : 1));
        const { limit } = query;
        const offset = query.cursor ?? 0;
        const total = list.length;
        if (limit !== undefined) list = list.slice(offset, offset + limit);
        const more = limit !== undefined && offset + limit < total;
        const page: BranchesPage = {
          branches: list.map((b) => model.renderBranch(b)),
          annotations: {},
          ...(limit !== undefined && {
            pagination: { ...(more && { next: encodeCursor(offset + limit) }), sort_by: query.sort_by, sort_order: query.sort_order },
          }),
        };
        return c.json(page, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/projects/{project_id}/branches",
        middleware: [emptyBodyIsNone] as const,
        request: { params: ProjectParams, body: jsonBody(CreateBranchBody, false) },
        responses: { 201: neonJson<CreatedBranch>("The branch being created, its compute and the operations doing it") },
      }),
      async (c) => {
        const request = c.req.valid("json");
        const spec = request.branch ?? {};
        if (spec.parent_lsn) throw badRequest("parent_lsn is not supported by the emulator: use parent_timestamp");
        if (spec.init_source && spec.init_source !== "parent-data") throw badRequest(`init_source ${spec.init_source} is not supported by the emulator`);
        const wanted = request.endpoints ?? [];
        if (wanted.some((e) => e.type !== "read_write")) throw badRequest("the emulator has no read-only computes");
        if (wanted.length > 1) throw badRequest("a branch can have only one read_write endpoint");
        operations.assertNoneRunning();

        const parent = spec.parent_id ? model.branch(spec.parent_id) : model.defaultBranch();
        if (parent.state !== "ready") throw badRequest(`parent branch ${parent.id} is not ready`);
        const id = newId("br");
        const name = spec.name ?? id;
        model.assertName(name);
        if (model.nameTaken(name)) throw nameTaken();
        const at = spec.parent_timestamp === undefined ? undefined : new Date(spec.parent_timestamp);
        if (at) await assertInHistory(model, "parent_timestamp", at, parent);
        const expiresAt = spec.expires_at === undefined ? undefined : assertExpiry(new Date(spec.expires_at));

        const now = new Date();
        const branch: BranchRecord = {
          id,
          name,
          parentId: parent.id,
          parentTimestamp: (at ?? now).toISOString(),
          createdAt: now,
          updatedAt: now,
          stateChangedAt: now,
          state: "init",
          isDefault: false,
          busy: true,
          ...(expiresAt && { expiresAt }),
        };
        model.branches.set(id, branch);
        const endpoint: EndpointRecord | undefined = wanted.length ? { id: newId("ep"), branchId: id, createdAt: now, updatedAt: now, state: "init" } : undefined;
        if (endpoint) model.endpoints.set(endpoint.id, endpoint);
        const ops = [operations.create("create_branch", id), ...(endpoint ? [operations.create("start_compute", id, endpoint.id)] : [])];

        operations.run(
          ops,
          async () => {
            const effective = at ? await reachable(model, parent, at) : undefined;
            if (!at) await model.ensureRunning(parent);
            await model.backend.createBranch(name, { parent: parent.name, ...(effective && { at: effective }) });
          },
          (ok) => {
            if (ok) {
              model.settle(branch, "ready");
              if (endpoint) endpoint.state = "active";
            } else {
              model.dropBranch(id);
            }
          },
        );
        const created: CreatedBranch = {
          branch: model.renderBranch(branch),
          endpoints: endpoint ? [model.renderEndpoint(endpoint)] : [],
          operations: render(ops),
          ...renderRoleAndDatabase(id, model.role, model.database, now),
        };
        return c.json(created, 201);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/projects/{project_id}/branches/{branch_id}",
        request: { params: BranchParams },
        responses: { 200: neonJson<{ branch: Branch; annotation: AnnotationData }>("The branch") },
      }),
      (c) => {
        const branch = model.branch(c.req.valid("param").branch_id);
        return c.json({ branch: model.renderBranch(branch), annotation: renderAnnotation(branch) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "patch",
        path: "/projects/{project_id}/branches/{branch_id}",
        request: { params: BranchParams, body: jsonBody(UpdateBranchBody) },
        responses: { 200: neonJson<BranchOperations>("The branch as updated (no operations: nothing to run)") },
      }),
      (c) => {
        const branch = model.branch(c.req.valid("param").branch_id);
        const { expires_at: expires } = c.req.valid("json").branch;
        if (expires !== undefined) {
          // Neon refuses an expiry on the default branch (and on protected ones; the emulator has none).
          if (branch.isDefault) throw badRequest("cannot set expires_at on the project's default branch");
          if (expires === null) delete branch.expiresAt;
          else branch.expiresAt = assertExpiry(new Date(expires));
          branch.updatedAt = new Date();
          model.save();
        }
        const updated: BranchOperations = { branch: model.renderBranch(branch), operations: [] };
        return c.json(updated, 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/projects/{project_id}/branches/{branch_id}",
        request: { params: BranchParams },
        responses: {
          200: neonJson<BranchOperations>("The branch being deleted and the operations doing it"),
          204: { description: "There is no such branch (anymore)" },
        },
      }),
      (c) => {
        const id = c.req.valid("param").branch_id;
        const target = model.branches.get(id);
        if (!target) return c.body(null, 204);
        if (target.isDefault) throw badRequest("cannot delete the project's default branch");
        // Checked on the model, whatever the backend would say: Neon's rule, and after a restore the
        // model's parents (the preserved state is the restored branch's parent) are not the backend's.
        const children = model.childrenOf(id);
        if (children.length) {
          const named = children.map((child) => `${child.id} (${child.name})`).join(", ");
          throw new HttpError("BRANCH_HAS_CHILDREN", `branch ${id} has child branches ${named} and cannot be deleted: delete the child branches first`, 422);
        }
        operations.assertNoneRunning();
        const endpoint = model.readWriteEndpoint(id);
        const ops = [...(endpoint ? [operations.create("suspend_compute", id, endpoint.id)] : []), operations.create("delete_timeline", id)];
        target.busy = true;
        operations.run(
          ops,
          () => model.backend.deleteBranch(target.name),
          (ok) => {
            if (ok) model.dropBranch(id);
            else target.busy = false;
          },
        );
        const deleted: BranchOperations = { branch: model.renderBranch(target), operations: render(ops) };
        return c.json(deleted, 200);
      },
    );
}
