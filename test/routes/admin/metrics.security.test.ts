import { beforeAll } from "vitest";
import { createTestApp } from "../../support/app.ts";
import { describeAdminResource, operationsUnder } from "../../support/security-matrix.ts";

const t = await createTestApp();

beforeAll(async () => {
  await t.db.performanceMetric.create({ data: { route: "/api/v1/notes", method: "GET", status: 200, durationMs: 4 } });
});

describeAdminResource("admin metrics", t, await operationsUnder(t, "/api/v1/admin/metrics"), {
  existingId: () => "unused",
  snapshot: () => t.db.performanceMetric.findMany({ orderBy: { id: "asc" } }),
});
