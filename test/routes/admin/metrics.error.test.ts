import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";

const t = await createTestApp();
let admin: { token: string; id: string };

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  await t.db.performanceMetric.create({ data: { route: "/api/v1/notes", method: "GET", status: 200, durationMs: 4 } });
});

const rows = () => t.db.performanceMetric.findMany({ orderBy: { id: "asc" } });

describe("admin metrics: errors", () => {
  it.each(["", "24", "h", "0h", "-1h", "1.5h", "24H", "24x", "1w", "24 h", "31d", "721h", "43201m", "9999999d"])("window=%s answers 400 naming window and changes nothing", async (window) => {
    const before = await rows();
    const res = await t.request("GET", `/api/v1/admin/metrics?window=${encodeURIComponent(window)}`, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(["window"]);
    expect(await rows()).toEqual(before);
  });

  it.each(["30d", "720h", "43200m", "1m"])("window=%s, at the limits, is accepted", async (window) => {
    const res = await t.request("GET", `/api/v1/admin/metrics?window=${window}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.window).toBe(window);
  });
});
