import { beforeAll, describe, expect, it } from "vitest";
import { JOB_NAMES } from "../../../src/jobs/registry.ts";
import { createTestApp } from "../../support/app.ts";

/** No recovery provider, no backups folder: the app as a Worker runs it. */
const t = await createTestApp();
let admin: { token: string; id: string };
let expired: string;

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  expired = (await t.db.session.create({ data: { userId: admin.id, tokenHash: "expired", expiresAt: new Date(Date.now() - 60_000) }, select: { id: true } })).id;
});

/** Nothing is recorded and nothing deleted by a refused request. */
async function unchanged() {
  expect(await t.db.jobRun.count()).toBe(0);
  expect(await t.db.jobLease.count()).toBe(0);
  expect(await t.db.session.findUnique({ where: { id: expired } })).not.toBeNull();
}

describe("admin jobs: errors", () => {
  it("an unknown job answers 404, naming the jobs there are, and records nothing", async () => {
    const res = await t.request("POST", "/api/v1/admin/jobs/vacuum/run", { token: admin.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
    expect(res.body.error.message).toContain("vacuum");
    for (const name of JOB_NAMES) expect(res.body.error.message).toContain(name);
    await unchanged();
  });

  it.each([
    ["pitr-check", ["recovery"], "a recovery provider"],
    ["recovery-drill", ["recovery", "directUrl"], "DIRECT_URL"],
    ["backup", ["backups", "recovery"], "pg_dump"],
  ])("%s, which this runtime cannot run, answers 409 JOB_UNAVAILABLE with what it needs, and records nothing", async (name, missing, words) => {
    const res = await t.request("POST", `/api/v1/admin/jobs/${name}/run`, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "JOB_UNAVAILABLE", details: { missing } });
    expect(res.body.error.message).toMatch(new RegExp(`^Job ${name} cannot run here: it needs .+, which this runtime does not have\\.$`));
    expect(res.body.error.message).toContain(words);
    await unchanged();
  });

  it("the list says the same of those jobs", async () => {
    const res = await t.request("GET", "/api/v1/admin/jobs", { token: admin.token });
    expect(res.status).toBe(200);
    const pitr = res.body.jobs.find((job: { name: string }) => job.name === "pitr-check");
    expect(pitr).toMatchObject({ runnable: false, needs: expect.stringContaining("a recovery provider") });
  });

  it.each(["?limit=0", "?limit=501", "?limit=ten", "?limit=1.5", "?job=vacuum", "?job=", "?job=a%00b"])("GET %s answers 400 with the failing field", async (query) => {
    const res = await t.request("GET", `/api/v1/admin/jobs${query}`, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(query.slice(1, query.indexOf("=")));
  });

  it("a job name longer than any job's answers 400", async () => {
    const res = await t.request("POST", `/api/v1/admin/jobs/${"x".repeat(65)}/run`, { token: admin.token });
    expect(res.status).toBe(400);
    await unchanged();
  });

  it.each(["GET", "DELETE", "PATCH"])("%s on a job's run answers 405 naming POST", async (method) => {
    const res = await t.request(method, "/api/v1/admin/jobs/retention/run", { token: admin.token });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    await unchanged();
  });

  it("while maintenance is on, a manual run still runs (an incident is when checks matter most), and retention deletes nothing", async () => {
    expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: true } })).status).toBe(200);
    try {
      const res = await t.request("POST", "/api/v1/admin/jobs/retention/run", { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ job: "retention", outcome: "skipped", trigger: "http", detail: { reason: "maintenance" } });
      expect(await t.db.session.findUnique({ where: { id: expired } })).not.toBeNull();
      // Other writes are still paused.
      expect((await t.request("POST", "/api/v1/notes", { token: admin.token, body: { title: "paused" } })).status).toBe(503);
    } finally {
      expect((await t.request("PUT", "/api/v1/admin/maintenance", { token: admin.token, body: { enabled: false } })).status).toBe(200);
      await t.db.jobRun.deleteMany();
    }
  });
});
