import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";
import { describeAdminResource, operationsUnder } from "../../support/security-matrix.ts";

const t = await createTestApp();
let expired: string;

beforeAll(async () => {
  const owner = await t.signup();
  expired = (await t.db.session.create({ data: { userId: owner.id, tokenHash: "expired", expiresAt: new Date(Date.now() - 60_000) }, select: { id: true } })).id;
});

/** What a refused request must leave alone: the runs, the leases, and the rows retention would delete. */
const snapshot = async () => ({
  runs: await t.db.jobRun.findMany({ orderBy: { id: "asc" } }),
  leases: await t.db.jobLease.findMany(),
  expired: await t.db.session.findUnique({ where: { id: expired } }),
});

describeAdminResource("admin jobs", t, await operationsUnder(t, "/api/v1/admin/jobs"), { existingId: () => "retention", snapshot });

describe("admin jobs: running a real job", () => {
  it.each([
    ["no token", undefined, 401, "UNAUTHORIZED"],
    ["a user who is not an admin", "user", 403, "FORBIDDEN"],
    ["an unknown token", "unknown", 401, "UNAUTHORIZED"],
  ] as const)("POST retention/run with %s answers %i and runs nothing", async (_, who, status, code) => {
    const before = await snapshot();
    const token = who === "user" ? (await t.signup()).token : who === "unknown" ? "A".repeat(43) : undefined;
    const res = await t.request("POST", "/api/v1/admin/jobs/retention/run", { ...(token && { token }) });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await snapshot()).toEqual(before);
    expect(before.expired).not.toBeNull();
  });

  it("a non-admin cannot read the run history either", async () => {
    const user = await t.signup();
    const res = await t.request("GET", "/api/v1/admin/jobs?job=retention", { token: user.token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: { code: "FORBIDDEN", message: expect.any(String) } });
  });
});
