import { beforeAll, describe, expect, it } from "vitest";
import { getMaintenance } from "../../../src/ops/maintenance.ts";
import { createTestApp } from "../../support/app.ts";
import { openConnection } from "../../support/database.ts";

const t = await createTestApp();
let admin: { token: string };
let user: { token: string };

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  user = await t.signup();
});

const createProject = (name: string) => t.request("POST", "/api/v1/projects", { token: user.token, body: { name } });

describe("admin maintenance", () => {
  it("is off before anyone switched it", async () => {
    const res = await t.client.api.v1.admin.maintenance.$get({}, t.as(admin.token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ enabled: false, message: null, updatedAt: null });
  });

  it("PUT on pauses writes with the message; reads keep working; dbctl's reader sees the same row", async () => {
    const res = await t.client.api.v1.admin.maintenance.$put({ json: { enabled: true, message: "Restoring from backup" } }, t.as(admin.token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ enabled: true, message: "Restoring from backup", updatedAt: expect.any(String) });

    const before = await t.db.project.count();
    const write = await createProject("refused");
    expect(write.status).toBe(503);
    expect(write.headers.get("retry-after")).toBe("60");
    expect(write.body.error).toEqual({ code: "MAINTENANCE", message: "Restoring from backup" });
    expect(await t.db.project.count()).toBe(before);
    expect((await t.request("GET", "/api/v1/projects", { token: user.token })).status).toBe(200);

    const state = await t.request("GET", "/api/v1/admin/maintenance", { token: admin.token });
    expect(state.body).toMatchObject({ enabled: true, message: "Restoring from backup" });
    expect(await getMaintenance(await openConnection(t.url))).toMatchObject({ enabled: true, message: "Restoring from backup" });
  });

  it("PUT off works while maintenance is on, and writes work again", async () => {
    const res = await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: false } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ enabled: false, message: null, updatedAt: expect.any(String) });
    expect((await createProject("accepted")).status).toBe(201);
  });

  it("PUT on without a message: writes get the generic sentence", async () => {
    expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: true } })).body).toMatchObject({ enabled: true, message: null });
    try {
      const write = await createProject("refused");
      expect(write.status).toBe(503);
      expect(write.body.error.message).toMatch(/maintenance/);
    } finally {
      expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: false } })).status).toBe(200);
    }
  });

  it("PUT on twice keeps it on with the newer message", async () => {
    await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: true, message: "first" } });
    const again = await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: true, message: "second" } });
    expect(again.body).toMatchObject({ enabled: true, message: "second" });
    expect(await t.db.maintenanceMode.findMany({ select: { id: true, enabled: true, message: true } })).toEqual([{ id: 1, enabled: true, message: "second" }]);
    expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: false } })).status).toBe(200);
  });
});
