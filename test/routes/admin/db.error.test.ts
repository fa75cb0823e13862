import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";

const t = await createTestApp();
let admin: { token: string };

beforeAll(async () => {
  admin = await t.signup("ADMIN");
});

describe("admin db reports: errors", () => {
  it.each(["?limit=0", "?limit=101", "?limit=abc", "?limit=2.5", "?limit=-1"])("GET /slow-queries%s answers 400 naming limit", async (query) => {
    const res = await t.request("GET", `/api/v1/admin/db/slow-queries${query}`, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(["limit"]);
  });

  it.each(["POST", "PUT", "DELETE"])("%s on a report answers 405 naming GET", async (method) => {
    for (const path of ["/api/v1/admin/db/connections", "/api/v1/admin/db/slow-queries"]) {
      const res = await t.request(method, path, { token: admin.token });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD");
    }
  });

  it("an unknown report answers 404", async () => {
    expect((await t.request("GET", "/api/v1/admin/db/locks", { token: admin.token })).status).toBe(404);
  });
});
