import { Prisma } from "@prisma/client/extension";
import type { Prisma as Schema } from "../generated/prisma/client.ts";
import type { NoteWhereInput, ProjectWhereInput } from "../generated/prisma/models.ts";

/**
 * Soft delete, in one place. Notes and projects carry `deletedAt`; this extension makes a
 * soft-deleted row invisible to every ordinary read and write (lists, by-id reads, counts,
 * `include`/`select` of relations, update/delete by id) and adds the only ways to change the
 * trash: `softDelete`, `restore` and `purge` (reading it is `findMany({ where: inTrash(...) })`).
 * No handler writes `deletedAt: null` by hand.
 *
 * The rule: an operation whose `where` does not mention `deletedAt` gets `deletedAt: null` added.
 * A caller that names `deletedAt` (the trash methods below do) has said what it wants.
 */

/** The guide's filter for live rows. */
export const notDeleted = Object.freeze({ deletedAt: null });

/** The guide's data for a soft delete; a function so each call gets its own timestamp. */
export const softDeleteData = () => ({ deletedAt: new Date() });

/**
 * The schema's relations, from the data model Prisma generates into the client (the one its
 * runtime reads), so a relation added to the schema cannot escape the filter. That model names
 * each relation's target but not whether it is a list; the cardinality comes from Prisma's
 * generated types, which the compiler holds `CARDINALITY` to: a new relation is a type error
 * until it is listed, and `relationsOf` refuses a data model with a relation it does not know.
 */
export interface RuntimeDataModel {
  models: Record<string, { fields: { name: string; kind: string; type: string; relationName?: string }[] }>;
}

type Objects<M extends Schema.ModelName> = Schema.TypeMap["model"][M]["payload"]["objects"];
type Cardinality = { [M in Schema.ModelName]: { [F in keyof Objects<M>]-?: Objects<M>[F] extends readonly unknown[] ? "many" : "one" } };

const CARDINALITY: Cardinality = {
  User: { sessions: "many", projects: "many", notes: "many", errorLogs: "many" },
  Session: { user: "one" },
  Project: { user: "one", notes: "many" },
  Note: { user: "one", project: "one" },
  ErrorLog: { user: "one" },
  PerformanceMetric: {},
  MaintenanceMode: {},
  JobRun: {},
  JobLease: {},
};

export interface Relation {
  model: string;
  list: boolean;
}

export interface SchemaRelations {
  /** By model, its relation fields: the model each leads to, one row or many. */
  relations: Record<string, Record<string, Relation>>;
  /** Models with a `deletedAt` timestamp: soft deleted, hidden while it is set. */
  softModels: Set<string>;
}

export function relationsOf(dataModel: RuntimeDataModel): SchemaRelations {
  const relations: Record<string, Record<string, Relation>> = {};
  const softModels = new Set<string>();
  const cardinality = CARDINALITY as Record<string, Record<string, "one" | "many"> | undefined>;
  for (const [model, { fields }] of Object.entries(dataModel.models)) {
    relations[model] = {};
    for (const field of fields) {
      if (field.name === "deletedAt" && field.type === "DateTime") softModels.add(model);
      if (field.kind !== "object") continue;
      const kind = cardinality[model]?.[field.name];
      if (!kind) throw new Error(`The soft-delete filter does not know the relation ${model}.${field.name}; add it to CARDINALITY in src/db/soft-delete.ts.`);
      relations[model][field.name] = { model: field.type, list: kind === "many" };
    }
  }
  return { relations, softModels };
}

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
 * What to check in a result after the query: to-one relations to soft-deleted rows must become
 * null (SQL cannot filter a to-one join away), with the `deletedAt` added only for that check.
 */
interface Plan {
  /** to-one relation fields whose row must be nulled when soft-deleted, with their own plans */
  toOne: Map<string, { plan: Plan; stripDeletedAt: boolean }>;
  /** list relation fields with their own plans, for nested to-one checks */
  lists: Map<string, Plan>;
}

const isEmptyPlan = (plan: Plan) => plan.toOne.size === 0 && plan.lists.size === 0;

/** The filter over one schema's relations. */
function liveRowFilter({ relations, softModels }: SchemaRelations) {
  const isSoft = (model: string) => softModels.has(model);

  /**
   * Rewrites a nested `include` / `select` so that list relations to soft-deletable models only
   * bring live rows, and to-one relations select `deletedAt` so the result can be checked.
   */
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
        const rel = relations[model]?.[field];
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
          if (isSoft(rel.model) || !isEmptyPlan(inner)) plan.toOne.set(field, { plan: inner, stripDeletedAt });
          selection[field] = Object.keys(nested).length === 0 ? true : nested;
        }
      }
    }
    return plan;
  }

  function rewriteCount(model: string, value: unknown): unknown {
    if (value === true) {
      const select: Obj = {};
      for (const [field, rel] of Object.entries(relations[model] ?? {})) {
        if (rel.list) select[field] = isSoft(rel.model) ? { where: notDeleted } : true;
      }
      return { select };
    }
    if (!isObj(value) || !isObj(value.select)) return value;
    const select: Obj = {};
    for (const [field, v] of Object.entries(value.select)) {
      const rel = relations[model]?.[field];
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
      const target = relations[model]?.[field]?.model ?? "";
      if (isSoft(target) && related.deletedAt != null) {
        row[field] = null;
        continue;
      }
      if (stripDeletedAt) delete related.deletedAt;
      applyPlan(target, related, inner);
    }
    for (const [field, inner] of plan.lists) {
      const items = row[field];
      const target = relations[model]?.[field]?.model ?? "";
      if (Array.isArray(items)) for (const item of items) applyPlan(target, item, inner);
    }
  }

  return { isSoft, rewriteSelection, applyPlan };
}

interface TrashDelegate {
  updateMany(args: { where: unknown; data: unknown }): Promise<{ count: number }>;
  deleteMany(args: { where: unknown }): Promise<{ count: number }>;
}

/** The trash methods every soft-deletable model gets; each resolves to the number of rows it changed. */
function trashMethods<Where extends object>() {
  return {
    /** Moves live rows matching `where` to the trash. */
    async softDelete(where: Where): Promise<number> {
      const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
      return (await ctx.updateMany({ where: withLiveFilter(where), data: softDeleteData() })).count;
    },
    /** Brings rows matching `where` back from the trash. */
    async restore(where: Where): Promise<number> {
      const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
      return (await ctx.updateMany({ where: inTrash(where), data: { deletedAt: null } })).count;
    },
    /** Permanently deletes rows matching `where` that are already in the trash. */
    async purge(where: Where): Promise<number> {
      const ctx = Prisma.getExtensionContext(this) as unknown as TrashDelegate;
      return (await ctx.deleteMany({ where: inTrash(where) })).count;
    },
  };
}

export const softDeleteExtension = Prisma.defineExtension((client) => {
  const dataModel = (client as unknown as { _runtimeDataModel?: RuntimeDataModel })._runtimeDataModel;
  if (!dataModel) throw new Error("This Prisma Client carries no runtime data model; the soft-delete filter cannot see its relations.");
  const filter = liveRowFilter(relationsOf(dataModel));
  return client.$extends({
    name: "soft-delete",
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          const a: Obj = isObj(args) ? { ...args } : {};
          if (filter.isSoft(model) && FILTERED_OPERATIONS.has(operation)) a.where = withLiveFilter(a.where);
          const plan = filter.rewriteSelection(model, a);
          const result = await query(a as typeof args);
          if (!isEmptyPlan(plan) && RETURNS_ROWS.has(operation)) {
            if (Array.isArray(result)) for (const row of result) filter.applyPlan(model, row, plan);
            else filter.applyPlan(model, result, plan);
          }
          return result;
        },
      },
    },
    model: {
      note: trashMethods<NoteWhereInput>(),
      project: trashMethods<ProjectWhereInput>(),
    },
  });
});

/** The filter for rows in the trash; reading them is `findMany({ where: inTrash(...) })`. */
export function inTrash<W extends object>(where: W): W & { deletedAt: { not: null } } {
  return { ...where, deletedAt: { not: null } };
}
