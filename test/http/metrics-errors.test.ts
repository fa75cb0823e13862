import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetricBuffer } from "../../src/http/metric-buffer.ts";
import { createTestApp } from "../support/app.ts";
import { openConnection } from "../support/database.ts";

/**
 * An error thrown in a handler, seen the way an operator sees it: the admin errors list shows it
 * under its route pattern with the method, status, user and request id, and the admin metrics
 * count it as an error of that route. A schema the code does not expect (a dropped column) makes
 * every project read throw; those requests go through `t.app` directly, since the support's own
 * requests treat a 500 as a failed test, and the ErrorLog writes are awaited through `background`.
 */
const pending: Promise<unknown>[] = [];
let buffer: ReturnType<typeof createMetricBuffer> | undefined;
const t = await createTestApp({}, { background: (_, work) => void pending.push(work), metrics: (metric) => buffer?.record(metric) });
buffer = createMetricBuffer(t.db, { flushIntervalMs: 3_600_000 });
afterAll(() => buffer?.stop());
let admin: { token: string; id: string };
let user: { token: string; id: string };

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  user = await t.signup();
  const sql = await openConnection(t.url);
  await sql.query(`ALTER TABLE "Project" DROP COLUMN "description"`);
});

describe("an error thrown in a handler", () => {
  it("is in the admin errors list under its route pattern, with method, status, user and request id; the metrics count it as a 5xx of that route", async () => {
    const res = await t.app.request("/api/v1/projects/cm3x0k9a10000abcd1234efgh", { headers: { authorization: `Bearer ${user.token}` } });
    expect(res.status).toBe(500);
    const requestId = res.headers.get("x-request-id");
    expect((await res.json()).error.message).toContain(requestId);
    await Promise.all(pending.splice(0));

    const list = await t.request("GET", `/api/v1/admin/errors?route=${encodeURIComponent("/api/v1/projects/:id")}`, { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ route: "/api/v1/projects/:id", method: "GET", status: 500, userId: user.id, requestId, count: 1, resolved: false }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain("cm3x0k9a10000abcd1234efgh");

    await buffer?.flush();
    const metrics = await t.request("GET", "/api/v1/admin/metrics?window=1h", { token: admin.token });
    expect(metrics.body.routes).toContainEqual(expect.objectContaining({ route: "/api/v1/projects/:id", method: "GET", count: 1, errorRate: 1 }));
  });

  it("without a user (a public route) records no user id", async () => {
    const sql = await openConnection(t.url);
    await sql.query(`ALTER TABLE "User" RENAME COLUMN "name" TO "fullName"`);
    try {
      const res = await t.app.request("/api/v1/auth/signup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "nobody@example.com", password: "password-123" }) });
      expect(res.status).toBe(500);
      await Promise.all(pending.splice(0));
    } finally {
      await sql.query(`ALTER TABLE "User" RENAME COLUMN "fullName" TO "name"`);
    }
    const list = await t.request("GET", `/api/v1/admin/errors?route=${encodeURIComponent("/api/v1/auth/signup")}`, { token: admin.token });
    expect(list.body.items).toEqual([expect.objectContaining({ route: "/api/v1/auth/signup", method: "POST", status: 500, userId: null })]);
  });
});
