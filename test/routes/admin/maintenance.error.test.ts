import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";

const t = await createTestApp();
let admin: { token: string };

beforeAll(async () => {
  admin = await t.signup("ADMIN");
});

const state = () => t.db.maintenanceMode.findMany();

describe("admin maintenance: errors", () => {
  it.each([
    [{}, "enabled"],
    [{ enabled: "yes" }, "enabled"],
    [{ enabled: 1 }, "enabled"],
    [{ enabled: true, message: "" }, "message"],
    [{ enabled: true, message: "   " }, "message"],
    [{ enabled: true, message: "x".repeat(501) }, "message"],
    [{ enabled: true, message: 5 }, "message"],
    [{ enabled: true, message: "a\u0000b" }, "message"],
    [{ enabled: false, message: "only while on" }, "message"],
  ])("PUT %j answers 400 naming %s and switches nothing", async (body, field) => {
    const before = await state();
    const res = await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await state()).toEqual(before);
  });

  it("PUT with invalid JSON answers 400 and switches nothing", async () => {
    const res = await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, raw: "{enabled: true" });
    expect(res.status).toBe(400);
    expect(await state()).toEqual([]);
  });

  it.each(["POST", "PATCH", "DELETE"])("%s answers 405 naming GET, HEAD and PUT, and switches nothing", async (method) => {
    const res = await t.request(method, "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: true } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, PUT");
    expect(await state()).toEqual([]);
  });

  it("while maintenance is on, other writes still answer 503: only this route gets through", async () => {
    expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: true } })).status).toBe(200);
    try {
      expect((await t.request("POST", "/api/v1/admin/errors/anything/resolve", { token: admin.token })).status).toBe(503);
      expect((await t.request("PUT", "/api/v1/admin/maintenance/", { token: admin.token, body: { enabled: false } })).status).toBe(503);
    } finally {
      expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: false } })).body.enabled).toBe(false);
    }
  });
});
