import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";
import { describeAdminResource, operationsUnder } from "../../support/security-matrix.ts";

const t = await createTestApp();
let admin: { token: string; id: string };
let user: { token: string; id: string };
let logId: string;

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  user = await t.signup();
  const old = new Date(Date.now() - 3_600_000);
  await t.db.errorLog.createMany({
    data: [
      { message: "older", timestamp: old, lastSeenAt: old, route: "/a", method: "GET", status: 500 },
      { message: "newer", route: "/b", method: "POST", status: 500, userId: user.id, count: 3 },
    ],
  });
  logId = (await t.db.errorLog.findFirstOrThrow({ where: { message: "older" } })).id;
});

describeAdminResource("admin error logs", t, await operationsUnder(t, "/api/v1/admin"), {
  existingId: () => logId,
  snapshot: () => t.db.errorLog.findMany({ orderBy: { id: "asc" } }),
});

describe("admin: error logs", () => {
  it("an admin lists error logs, most recently seen first, with how often each happened", async () => {
    const res = await t.client.api.v1.admin["error-logs"].$get({ query: {} }, t.as(admin.token));
    expect(res.status).toBe(200);
    const body = await res.json();
    if (!("items" in body)) throw new Error("expected a page");
    expect(body.items.map((l) => [l.message, l.count])).toEqual([
      ["newer", 3],
      ["older", 1],
    ]);
    expect(body.items[0]).not.toHaveProperty("stack");
    expect(body.items[0]).not.toHaveProperty("fingerprint");
  });

  it("an admin resolves an error; the resolved filter sees it", async () => {
    const res = await t.client.api.v1.admin["error-logs"][":id"].resolve.$post({ param: { id: logId } }, t.as(admin.token));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: logId, resolved: true, resolvedAt: expect.any(String) });
    const resolved = await t.request("GET", "/api/v1/admin/error-logs?resolved=true", { token: admin.token });
    expect(resolved.body.items.map((l: { id: string }) => l.id)).toEqual([logId]);
    const open = await t.request("GET", "/api/v1/admin/error-logs?resolved=false", { token: admin.token });
    expect(open.body.items.map((l: { message: string }) => l.message)).toEqual(["newer"]);
  });

  it("pages with a cursor, without skipping or repeating", async () => {
    const first = await t.request("GET", "/api/v1/admin/error-logs?limit=1", { token: admin.token });
    const second = await t.request("GET", `/api/v1/admin/error-logs?limit=1&cursor=${first.body.nextCursor}`, { token: admin.token });
    expect([...first.body.items, ...second.body.items].map((l: { message: string }) => l.message)).toEqual(["newer", "older"]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("resolving a missing log answers 404 naming it", async () => {
    const res = await t.request("POST", "/api/v1/admin/error-logs/missing/resolve", { token: admin.token });
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: "NOT_FOUND", message: "Error log not found" });
  });
});
