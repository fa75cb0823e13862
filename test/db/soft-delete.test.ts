import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createDb, type Db } from "../../src/db/client.ts";
import { inTrash, notDeleted } from "../../src/db/soft-delete.ts";
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
