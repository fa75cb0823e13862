import { describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";
import { describeAdminResource, operationsUnder } from "../../support/security-matrix.ts";

const t = await createTestApp();

describeAdminResource("admin maintenance", t, await operationsUnder(t, "/api/v1/admin/maintenance"), {
  bodies: { "PUT /api/v1/admin/maintenance": { enabled: true, message: "not yours to switch" } },
  existingId: () => "unused",
  snapshot: () => t.db.maintenanceMode.findMany(),
});

describe("admin maintenance: security while it is on", () => {
  it("the way through the gate is still admin only: no token 401, a user 403, and it stays on", async () => {
    const admin = await t.signup("ADMIN");
    const user = await t.signup();
    expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: true, message: "on" } })).status).toBe(200);
    try {
      const anonymous = await t.request("PUT", "/api/v1/admin/maintenance", { body: { enabled: false } });
      expect(anonymous.status).toBe(401);
      const refused = await t.request("PUT", "/api/v1/admin/maintenance", { token: user.token, body: { enabled: false } });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("FORBIDDEN");
      expect(await t.db.maintenanceMode.findMany({ select: { enabled: true, message: true } })).toEqual([{ enabled: true, message: "on" }]);
    } finally {
      expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: false } })).status).toBe(200);
    }
  });
});
