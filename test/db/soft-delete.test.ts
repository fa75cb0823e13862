import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createDb, type Db } from "../../src/db/client.ts";
import { inTrash, notDeleted, relationsOf, type RuntimeDataModel } from "../../src/db/soft-delete.ts";
import { createTestDatabase } from "../support/database.ts";

let db: Db;
let userId: string;
let n = 0;

beforeAll(async () => {
  const { url } = await createTestDatabase();
  db = createDb(PrismaClient, { url });
  userId = (await db.user.create({ data: { email: "soft@example.com", passwordHash: "x" } })).id;
});
afterAll(async () => db?.$disconnect());

const note = (data: { projectId?: string; pinned?: boolean } = {}) => db.note.create({ data: { userId, title: `note ${++n}`, ...data } });
const project = () => db.project.create({ data: { userId, name: `project ${++n}` } });

describe("soft-delete extension", () => {
  it("hides a soft-deleted note from lists, by-id reads, counts and aggregates", async () => {
    const gone = await note();
    const kept = await note();
    expect(await db.note.softDelete({ id: gone.id })).toBe(1);
    expect(await db.note.findUnique({ where: { id: gone.id } })).toBeNull();
    expect(await db.note.findFirst({ where: { id: gone.id } })).toBeNull();
    await expect(db.note.findUniqueOrThrow({ where: { id: gone.id } })).rejects.toThrow();
    const ids = (await db.note.findMany({ where: { userId } })).map((row) => row.id);
    expect(ids).toContain(kept.id);
    expect(ids).not.toContain(gone.id);
    expect(await db.note.count({ where: { id: gone.id } })).toBe(0);
    expect((await db.note.aggregate({ where: { id: gone.id }, _count: { _all: true } }))._count._all).toBe(0);
    const groups = await db.note.groupBy({ by: ["userId"], where: { id: gone.id }, _count: { _all: true } });
    expect(groups).toEqual([]);
  });

  it("update and delete by id do not reach a soft-deleted row", async () => {
    const gone = await note();
    await db.note.softDelete({ id: gone.id });
    await expect(db.note.update({ where: { id: gone.id }, data: { title: "changed" } })).rejects.toMatchObject({ code: "P2025" });
    expect((await db.note.updateMany({ where: { id: gone.id }, data: { title: "changed" } })).count).toBe(0);
    await expect(db.note.delete({ where: { id: gone.id } })).rejects.toMatchObject({ code: "P2025" });
    expect((await db.note.deleteMany({ where: { id: gone.id } })).count).toBe(0);
    const row = await db.note.findFirst({ where: inTrash({ id: gone.id }) });
    expect(row?.title).toBe(gone.title);
  });

  it("soft deleting twice is a no-op the second time; restore brings it back once", async () => {
    const row = await note();
    expect(await db.note.softDelete({ id: row.id })).toBe(1);
    expect(await db.note.softDelete({ id: row.id })).toBe(0);
    expect(await db.note.restore({ id: row.id })).toBe(1);
    expect(await db.note.restore({ id: row.id })).toBe(0);
    expect((await db.note.findUnique({ where: { id: row.id } }))?.deletedAt).toBeNull();
  });

  it("purge deletes only rows already in the trash", async () => {
    const row = await note();
    expect(await db.note.purge({ id: row.id })).toBe(0);
    expect(await db.note.findUnique({ where: { id: row.id } })).not.toBeNull();
    await db.note.softDelete({ id: row.id });
    expect(await db.note.purge({ id: row.id })).toBe(1);
    expect(await db.note.findFirst({ where: inTrash({ id: row.id }) })).toBeNull();
  });

  it("include of a list relation brings only live rows, nested too", async () => {
    const p = await project();
    const live = await note({ projectId: p.id });
    const gone = await note({ projectId: p.id });
    await db.note.softDelete({ id: gone.id });

    const withNotes = await db.project.findUniqueOrThrow({ where: { id: p.id }, include: { notes: true } });
    expect(withNotes.notes.map((row) => row.id)).toEqual([live.id]);

    const viaSelect = await db.project.findUniqueOrThrow({ where: { id: p.id }, select: { notes: { select: { id: true } } } });
    expect(viaSelect.notes).toEqual([{ id: live.id }]);

    const viaUser = await db.user.findUniqueOrThrow({
      where: { id: userId },
      include: { projects: { where: { id: p.id }, include: { notes: { orderBy: { createdAt: "asc" } } } } },
    });
    expect(viaUser.projects[0]?.notes.map((row) => row.id)).toEqual([live.id]);
  });

  it("_count of relations counts only live rows", async () => {
    const p = await project();
    await note({ projectId: p.id });
    const gone = await note({ projectId: p.id });
    await db.note.softDelete({ id: gone.id });
    const counted = await db.project.findUniqueOrThrow({ where: { id: p.id }, select: { _count: { select: { notes: true } } } });
    expect(counted._count.notes).toBe(1);
    const all = await db.project.findUniqueOrThrow({ where: { id: p.id }, include: { _count: true } });
    expect(all._count.notes).toBe(1);
  });

  it("include of a to-one relation to a soft-deleted row gives null, and hides its deletedAt when not asked", async () => {
    const p = await project();
    const child = await note({ projectId: p.id });
    const before = await db.note.findUniqueOrThrow({ where: { id: child.id }, select: { project: { select: { name: true } } } });
    expect(before.project).toEqual({ name: p.name });

    await db.project.softDelete({ id: p.id });
    const viaInclude = await db.note.findUniqueOrThrow({ where: { id: child.id }, include: { project: true } });
    expect(viaInclude.project).toBeNull();
    const viaSelect = await db.note.findMany({ where: { id: child.id }, select: { id: true, project: { select: { name: true } } } });
    expect(viaSelect).toEqual([{ id: child.id, project: null }]);
    const fromUser = await db.user.findUniqueOrThrow({
      where: { id: userId },
      select: { notes: { where: { id: child.id }, select: { project: { select: { id: true } } } } },
    });
    expect(fromUser.notes).toEqual([{ project: null }]);
  });

  it("the trash is reachable only by naming deletedAt", async () => {
    const row = await note();
    await db.note.softDelete({ id: row.id });
    expect((await db.note.findMany({ where: inTrash({ userId }) })).map((r) => r.id)).toContain(row.id);
    expect((await db.note.findMany({ where: { userId, ...notDeleted } })).map((r) => r.id)).not.toContain(row.id);
  });
});

describe("the filter's relations come from Prisma's runtime data model", () => {
  const dataModel = () => (db as unknown as { _runtimeDataModel: RuntimeDataModel })._runtimeDataModel;

  it("knows every relation of the schema, and which models are soft deleted", () => {
    const { relations, softModels } = relationsOf(dataModel());
    const schemaRelations = Object.entries(dataModel().models).flatMap(([model, { fields }]) =>
      fields.filter((f) => f.kind === "object").map((f) => `${model}.${f.name} -> ${f.type}`),
    );
    const known = Object.entries(relations).flatMap(([model, fields]) => Object.entries(fields).map(([field, rel]) => `${model}.${field} -> ${rel.model}`));
    expect(known.sort()).toEqual(schemaRelations.sort());
    expect(schemaRelations.length).toBeGreaterThan(0);
    expect([...softModels].sort()).toEqual(["Note", "Project"]);
  });

  it("refuses a data model with a relation it does not know, naming it", () => {
    const base = dataModel();
    const withComment: RuntimeDataModel = {
      models: {
        ...base.models,
        Comment: { fields: [{ name: "note", kind: "object", type: "Note", relationName: "CommentToNote" }] },
      },
    };
    expect(() => relationsOf(withComment)).toThrow(/Comment\.note/);
  });

  it("no relation of any model brings a row from the trash", async () => {
    // One row of every model that has a relation to a soft-deleted model, each linked to rows in the trash.
    const trashedProject = await project();
    const liveProject = await project();
    const trashedNote = await note({ projectId: liveProject.id });
    const noteInTrashedProject = await note({ projectId: trashedProject.id });
    await db.project.softDelete({ id: trashedProject.id });
    await db.note.softDelete({ id: trashedNote.id });
    const trashed = [trashedProject.id, trashedNote.id];
    const sources: Record<string, { id: string }> = { User: { id: userId }, Project: liveProject, Note: noteInTrashedProject };

    const { relations, softModels } = relationsOf(dataModel());
    for (const [model, fields] of Object.entries(relations)) {
      for (const [field, rel] of Object.entries(fields)) {
        if (!softModels.has(rel.model)) continue;
        const source = sources[model];
        if (!source) throw new Error(`No fixture row of ${model} to check ${model}.${field}: add one to this test.`);
        const delegate = (db as unknown as Record<string, { findMany(args: object): Promise<unknown[]> }>)[model.charAt(0).toLowerCase() + model.slice(1)];
        const rows = await delegate?.findMany({ where: { id: source.id }, include: { [field]: true } });
        expect(rows, `${model}.${field}`).toHaveLength(1);
        const seen = JSON.stringify(rows);
        // A live row may point at a trashed one (its foreign key); no trashed row itself may appear.
        for (const id of trashed) expect(seen, `${model}.${field} shows a row from the trash`).not.toContain(`"id":"${id}"`);
      }
    }
  });
});
