import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createDb, type Db } from "../../src/db/client.ts";
import { createTestDatabase } from "../support/database.ts";

let db: Db;
let userId: string;

beforeAll(async () => {
  const { url } = await createTestDatabase();
  db = createDb(PrismaClient, { url });
  userId = (await db.user.create({ data: { email: "soft@example.com", passwordHash: "x" } })).id;
});
afterAll(async () => db?.$disconnect());

describe("soft-delete extension", () => {
  it("hides a soft-deleted note from lists, by-id reads and counts", async () => {
    const note = await db.note.create({ data: { userId, title: "gone soon" } });
    expect(await db.note.softDelete({ id: note.id })).toBe(1);
    expect(await db.note.findUnique({ where: { id: note.id } })).toBeNull();
    expect(await db.note.findMany({ where: { userId } })).toEqual([]);
    expect(await db.note.count({ where: { userId } })).toBe(0);
  });
});
