import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let admin: { token: string; id: string };
let user: { token: string; id: string };
let logId: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.signup("ADMIN");
  user = await t.signup();
  const old = new Date(Date.now() - 3_600_000);
  await t.db.errorLog.createMany({
    data: [
      { message: "older", timestamp: old, route: "/a", method: "GET", status: 500 },
      { message: "newer", route: "/b", method: "POST", status: 500, userId: user.id },
    ],
  });
  logId = (await t.db.errorLog.findFirstOrThrow({ where: { message: "older" } })).id;
});

describe("admin: error logs", () => {
  it("an admin lists error logs, newest first, and filters by resolution", async () => {
    const res = await t.request("GET", "/api/v1/admin/error-logs", { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.items.map((l: { message: string }) => l.message)).toEqual(["newer", "older"]);
    expect(res.body.items[0]).not.toHaveProperty("stack");
  });

  it("an admin resolves an error; the resolved filter sees it", async () => {
    const res = await t.request("POST", `/api/v1/admin/error-logs/${logId}/resolve`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: logId, resolved: true, resolvedAt: expect.any(String) });
    const resolved = await t.request("GET", "/api/v1/admin/error-logs?resolved=true", { token: admin.token });
    expect(resolved.body.items.map((l: { id: string }) => l.id)).toEqual([logId]);
    const open = await t.request("GET", "/api/v1/admin/error-logs?resolved=false", { token: admin.token });
    expect(open.body.items.map((l: { message: string }) => l.message)).toEqual(["newer"]);
  });

  it("resolving a missing log answers 404", async () => {
    const res = await t.request("POST", "/api/v1/admin/error-logs/missing/resolve", { token: admin.token });
    expect(res.status).toBe(404);
  });

  it.each([
    ["GET", "/api/v1/admin/error-logs"],
    ["POST", "/api/v1/admin/error-logs/x/resolve"],
  ])("%s %s: 401 without a token, 403 for a non-admin, nothing changed", async (method, path) => {
    expect((await t.request(method, path.replace("/x/", `/${logId}/`))).status).toBe(401);
    const res = await t.request(method, path.replace("/x/", `/${logId}/`), { token: user.token });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("FORBIDDEN");
    expect(JSON.stringify(res.body)).not.toContain("older");
  });
});
