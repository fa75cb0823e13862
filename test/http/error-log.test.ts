import { beforeAll, describe, expect, it } from "vitest";
import { setMaintenance } from "../../src/ops/maintenance.ts";
import { createTestApp } from "../support/app.ts";
import { openConnection } from "../support/database.ts";

/**
 * Unexpected errors, grouped: a schema the code does not expect (a dropped column) makes every
 * project read fail with a 500. Those requests go through `t.app` directly, since the support's
 * own requests treat a 500 as a failed test; the ErrorLog writes they start are awaited through
 * the app's `background` hook.
 */
const pending: Promise<unknown>[] = [];
const t = await createTestApp({}, { background: (_, work) => void pending.push(work) });
const settled = () => Promise.all(pending.splice(0));
let token: string;

beforeAll(async () => {
  ({ token } = await t.signup());
  const sql = await openConnection(t.url);
  await sql.query(`ALTER TABLE "Project" DROP COLUMN "description"`);
});

const fail = async (path: string, method = "GET") => {
  const res = await t.app.request(path, { method, headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(500);
  return res;
};
const rowsFor = (route: string, method = "GET") => t.db.errorLog.findMany({ where: { route, method } });

describe("ErrorLog groups repeats", () => {
  it("the same failure on different ids is one row, counted, with the latest request", async () => {
    await fail("/api/v1/projects/first-id");
    await fail("/api/v1/projects/cm3x0k9a10000abcd1234efgh");
    const last = await fail("/api/v1/projects/9f1c2e4a-8d3b-4c5e-a6f7-0b1c2d3e4f5a");
    await settled();
    const rows = await rowsFor("/api/v1/projects/:id");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ count: 3, status: 500, resolved: false, requestId: last.headers.get("x-request-id") });
    expect(rows[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.lastSeenAt.getTime()).toBeGreaterThanOrEqual(rows[0]?.timestamp.getTime() ?? Infinity);
  });

  it("another route is another row", async () => {
    await fail("/api/v1/projects");
    await settled();
    expect(await rowsFor("/api/v1/projects")).toHaveLength(1);
    expect(await rowsFor("/api/v1/projects/:id")).toHaveLength(1);
  });

  it("a flood of the same failure adds no rows and loses no count", async () => {
    const before = await t.db.errorLog.count();
    const [row] = await rowsFor("/api/v1/projects");
    await Promise.all(Array.from({ length: 40 }, () => fail("/api/v1/projects")));
    await settled();
    expect(await t.db.errorLog.count()).toBe(before);
    const [after] = await rowsFor("/api/v1/projects");
    expect(after?.count).toBe((row?.count ?? 0) + 40);
  });

  it("a resolved error that happens again is reopened", async () => {
    const [row] = await rowsFor("/api/v1/projects/:id");
    await t.db.errorLog.update({ where: { id: row?.id }, data: { resolved: true, resolvedAt: new Date() } });
    await fail("/api/v1/projects/again");
    await settled();
    const [reopened] = await rowsFor("/api/v1/projects/:id");
    expect(reopened).toMatchObject({ id: row?.id, resolved: false, resolvedAt: null, count: (row?.count ?? 0) + 1 });
  });

  it("nothing is recorded while maintenance is on", async () => {
    const sql = await openConnection(t.url);
    const before = await t.db.errorLog.findMany({ orderBy: { id: "asc" } });
    await setMaintenance(sql, true, "restoring");
    try {
      await fail("/api/v1/projects");
      await fail("/api/v1/projects/during-maintenance");
      await settled();
      expect(await t.db.errorLog.findMany({ orderBy: { id: "asc" } })).toEqual(before);
    } finally {
      await setMaintenance(sql, false, null);
    }
  });
});
