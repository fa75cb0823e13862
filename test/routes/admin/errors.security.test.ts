import { beforeAll } from "vitest";
import { createTestApp } from "../../support/app.ts";
import { describeAdminResource, operationsUnder } from "../../support/security-matrix.ts";

const t = await createTestApp();
let logId: string;

beforeAll(async () => {
  logId = (await t.db.errorLog.create({ data: { message: "open", route: "/a", method: "GET", status: 500 } })).id;
});

describeAdminResource("admin errors", t, await operationsUnder(t, "/api/v1/admin/errors"), {
  existingId: () => logId,
  snapshot: () => t.db.errorLog.findMany({ orderBy: { id: "asc" } }),
});
