import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";

const t = await createTestApp();
let admin: { token: string; id: string };

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  await t.db.errorLog.create({ data: { message: "open", route: "/a", method: "GET", status: 500 } });
});

const rows = () => t.db.errorLog.findMany({ orderBy: { id: "asc" } });

describe("admin errors: errors", () => {
  it.each([
    ["?resolved=yes", "resolved"],
    ["?since=yesterday", "since"],
    ["?until=2026-13-01T00:00:00Z", "until"],
    ["?since=0000-01-01T00:00:00Z", "since"],
    ["?since=2026-11-25", "since"],
    ["?since=2026-11-26T00:00:00Z&until=2026-11-25T00:00:00Z", "since"],
    ["?route=", "route"],
    [`?route=${"x".repeat(501)}`, "route"],
    ["?route=%2Fa%00", "route"],
    ["?limit=0", "limit"],
    ["?limit=101", "limit"],
    ["?cursor=not-a-cursor", "cursor"],
  ])("GET %s answers 400 naming %s", async (query, field) => {
    const res = await t.request("GET", `/api/v1/admin/errors${query}`, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it("resolving a missing error answers 404 naming it and changes nothing", async () => {
    const before = await rows();
    const res = await t.request("POST", "/api/v1/admin/errors/missing/resolve", { token: admin.token });
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: "NOT_FOUND", message: "Error log not found" });
    expect(await rows()).toEqual(before);
  });

  it("the old path is gone", async () => {
    expect((await t.request("GET", "/api/v1/admin/error-logs", { token: admin.token })).status).toBe(404);
  });
});
