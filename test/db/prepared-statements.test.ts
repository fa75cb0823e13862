import { afterAll, describe, expect, it } from "vitest";
import { createDb, preparedStatementNames, type Db } from "../../src/db/client.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createTestDatabase } from "../support/database.ts";

/**
 * Over a direct connection the client prepares each statement once per connection and then only
 * binds it; through a pooler it never names one (the next transaction may land on another server
 * connection, where the name does not exist).
 */
const opened: Db[] = [];
afterAll(() => Promise.all(opened.map((db) => db.$disconnect())));

/** One connection, so the session that ran the reads is the one asked what it prepared. */
async function preparedAfterReads(url: string): Promise<string[]> {
  const db = createDb(PrismaClient, { url, poolMax: 1 });
  opened.push(db);
  for (let i = 0; i < 3; i++) await db.note.findMany({ where: { userId: `nobody-${i}` }, select: { id: true, project: { select: { name: true } } } });
  const rows = await db.$queryRawUnsafe<{ name: string; statement: string }[]>("SELECT name, statement FROM pg_prepared_statements ORDER BY name");
  return rows.filter((r) => r.statement.includes('"Note"')).map((r) => r.name);
}

describe("prepared statements", () => {
  it("a direct connection prepares a read once and reuses it, whatever its values", async () => {
    const { url } = await createTestDatabase();
    const names = await preparedAfterReads(url);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^prisma_\d+$/);
  });

  it("a pooled URL prepares nothing by name", async () => {
    const { url } = await createTestDatabase();
    const pooled = new URL(url);
    pooled.searchParams.set("pgbouncer", "true");
    expect(await preparedAfterReads(pooled.toString())).toEqual([]);
  });

  it("names one statement per SQL text, and past its limit runs new texts unnamed", () => {
    const name = preparedStatementNames(2);
    expect(name({ sql: "SELECT 1" })).toBe("prisma_0");
    expect(name({ sql: "SELECT 2" })).toBe("prisma_1");
    expect(name({ sql: "SELECT 1" })).toBe("prisma_0");
    expect(name({ sql: "SELECT 3" })).toBeUndefined();
  });
});
