import { Prisma } from "@prisma/client/extension";
import type { NoteWhereInput, ProjectWhereInput } from "../generated/prisma/models.ts";

/**
 * Soft delete, in one place. Notes and projects carry `deletedAt`; this extension makes a
 * soft-deleted row invisible to every ordinary read and write (lists, by-id reads, counts,
 * `include`/`select` of relations, update/delete by id) and adds the only ways to see or change
 * the trash: `softDelete`, `restore`, `findDeleted` and `purge`. No handler writes
 * `deletedAt: null` by hand.
 *
 * The rule: an operation whose `where` does not mention `deletedAt` gets `deletedAt: null` added.
 * A caller that names `deletedAt` (the trash methods below do) has said what it wants.
 */

/** The guide's filter for live rows. */
export const notDeleted = Object.freeze({ deletedAt: null });

/** The guide's data for a soft delete; a function so each call gets its own timestamp. */
export const softDeleteData = () => ({ deletedAt: new Date() });

export const SOFT_DELETE_MODELS = ["Note", "Project"] as const;
type SoftModel = (typeof SOFT_DELETE_MODELS)[number];
const isSoft = (model: string): model is SoftModel => (SOFT_DELETE_MODELS as readonly string[]).includes(model);

/** Relations of the schema, by model: which field leads to which model, one row or many. */
const RELATIONS: Record<string, Record<string, { model: string; list: boolean }>> = {
  User: {
    sessions: { model: "Session", list: true },
    projects: { model: "Project", list: true },
    notes: { model: "Note", list: true },
    errorLogs: { model: "ErrorLog", list: true },
  },
  Session: { user: { model: "User", list: false } },
  Project: { user: { model: "User", list: false }, notes: { model: "Note", list: true } },
  Note: { user: { model: "User", list: false }, project: { model: "Project", list: false } },
  ErrorLog: { user: { model: "User", list: false } },
  PerformanceMetric: {},
};

const FILTERED_OPERATIONS = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "count",
  "aggregate",
  "groupBy",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "delete",
  "deleteMany",
]);

const RETURNS_ROWS = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "create",
  "createManyAndReturn",
  "update",
  "updateManyAndReturn",
  "upsert",
  "delete",
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

function withLiveFilter(where: unknown): Obj {
  const w = isObj(where) ? where : {};
  return "deletedAt" in w ? w : { ...w, deletedAt: null };
}

/**
 * Rewrites a nested `include` / `select` so that list relations to soft-deletable models only
 * bring live rows, and to-one relations select `deletedAt` so the result can be checked after the
 * query (SQL cannot filter a to-one join away). Returns the fields added only for that check.
 */
interface Plan {
  /** to-one relation fields whose row must be nulled when soft-deleted, with their own plans */
  toOne: Map<string, { plan: Plan; stripDeletedAt: boolean }>;
  /** list relation fields with their own plans, for nested to-one checks */
  lists: Map<string, Plan>;
}

function rewriteSelection(model: string, args: Obj): Plan {
  const plan: Plan = { toOne: new Map(), lists: new Map() };
  for (const key of ["include", "select"] as const) {
    const selection = args[key];
    if (!isObj(selection)) continue;
    for (const [field, value] of Object.entries(selection)) {
      if (field === "_count") {
        selection._count = rewriteCount(model, value);
        continue;
      }
      const rel = RELATIONS[model]?.[field];
      if (!rel || value === false || value === undefined) continue;
      const nested: Obj = isObj(value) ? { ...value } : {};
      if (rel.list) {
        if (isSoft(rel.model)) nested.where = withLiveFilter(nested.where);
        plan.lists.set(field, rewriteSelection(rel.model, nested));
        selection[field] = nested;
      } else {
        let stripDeletedAt = false;
        if (isSoft(rel.model) && isObj(nested.select) && !nested.select.deletedAt) {
          nested.select = { ...nested.select, deletedAt: true };
          stripDeletedAt = true;
        }
        const inner = rewriteSelection(rel.model, nested);
        if (isSoft(rel.model) || inner.toOne.size > 0 || inner.lists.size > 0) {
          plan.toOne.set(field, { plan: inner, stripDeletedAt });
        }
        selection[field] = Object.keys(nested).length === 0 ? true : nested;
      }
    }
  }
  return plan;
}

function rewriteCount(model: string, value: unknown): unknown {
  if (value === true) {
    const select: Obj = {};
    for (const [field, rel] of Object.entries(RELATIONS[model] ?? {})) {
      if (rel.list) select[field] = isSoft(rel.model) ? { where: notDeleted } : true;
    }
    return { select };
  }
  if (!isObj(value) || !isObj(value.select)) return value;
  const select: Obj = {};
  for (const [field, v] of Object.entries(value.select)) {
    const rel = RELATIONS[model]?.[field];
    if (rel && isSoft(rel.model) && v !== false) {
      const nested = isObj(v) ? v : {};
      select[field] = { ...nested, where: withLiveFilter(nested.where) };
    } else {
      select[field] = v;
    }
  }
  return { ...value, select };
}

function applyPlan(model: string, row: unknown, plan: Plan): void {
  if (!isObj(row)) return;
  for (const [field, { plan: inner, stripDeletedAt }] of plan.toOne) {
    const related = row[field];
    if (!isObj(related)) continue;
    const target = RELATIONS[model]?.[field]?.model ?? "";
    if (isSoft(target) && related.deletedAt != null) {
      row[field] = null;
      continue;
    }
    if (stripDeletedAt) delete related.deletedAt;
    applyPlan(target, related, inner);
  }
  for (const [field, inner] of plan.lists) {
    const items = row[field];
    const target = RELATIONS[model]?.[field]?.model ?? "";
    if (Array.isArray(items)) for (const item of items) applyPlan(target, item, inner);
  }
}

const isEmptyPlan = (plan: Plan) => plan.toOne.size === 0 && plan.lists.size === 0;

export const softDeleteExtension = Prisma.defineExtension({
  name: "soft-delete",
  query: {
    $allModels: {
      async $allOperations({ model, operation, args, query }) {
        const a: Obj = isObj(args) ? { ...args } : {};
        if (isSoft(model) && FILTERED_OPERATIONS.has(operation)) a.where = withLiveFilter(a.where);
        const plan = rewriteSelection(model, a);
        const result = await query(a as typeof args);
        if (!isEmptyPlan(plan) && RETURNS_ROWS.has(operation)) {
          if (Array.isArray(result)) for (const row of result) applyPlan(model, row, plan);
          else applyPlan(model, result, plan);
        }
        return result;
      },
    },
  },
  model: {
    note: {
      /** Moves live notes matching `where` to the trash. Resolves to the number moved. */
      async softDelete(where: NoteWhereInput): Promise<number> {
        const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
        return (await ctx.updateMany({ where: withLiveFilter(where), data: softDeleteData() })).count;
      },
      /** Brings notes matching `where` back from the trash. Resolves to the number restored. */
      async restore(where: NoteWhereInput): Promise<number> {
        const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
        return (await ctx.updateMany({ where: inTrash(where), data: { deletedAt: null } })).count;
      },
      /** Permanently deletes notes matching `where` that are already in the trash. */
      async purge(where: NoteWhereInput): Promise<number> {
        const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
        return (await ctx.deleteMany({ where: inTrash(where) })).count;
      },
    },
    project: {
      async softDelete(where: ProjectWhereInput): Promise<number> {
        const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
        return (await ctx.updateMany({ where: withLiveFilter(where), data: softDeleteData() })).count;
      },
      async restore(where: ProjectWhereInput): Promise<number> {
        const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
        return (await ctx.updateMany({ where: inTrash(where), data: { deletedAt: null } })).count;
      },
      async purge(where: ProjectWhereInput): Promise<number> {
        const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
        return (await ctx.deleteMany({ where: inTrash(where) })).count;
      },
    },
  },
});

/** The filter for rows in the trash; reading them is `findMany({ where: inTrash(...) })`. */
export function inTrash<W extends object>(where: W): W & { deletedAt: { not: null } } {
  return { ...where, deletedAt: { not: null } };
}

interface TrashDelegate {
  updateMany(args: { where: unknown; data: unknown }): Promise<{ count: number }>;
  deleteMany(args: { where: unknown }): Promise<{ count: number }>;
}
