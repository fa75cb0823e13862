import { createTestApp } from "../../support/app.ts";
import { describeAdminResource, operationsUnder } from "../../support/security-matrix.ts";

const t = await createTestApp();

describeAdminResource("admin db reports", t, await operationsUnder(t, "/api/v1/admin/db"), {
  existingId: () => "unused",
  // The reports read; what must stay as it was is what a refused request could have touched.
  snapshot: async () => ({ maintenance: await t.db.maintenanceMode.findMany(), errors: await t.db.errorLog.count() }),
});
