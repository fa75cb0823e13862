import { beforeAll, describe, expect, it } from "vitest";
import { JOBS, schedules } from "../../../src/jobs/registry.ts";
import type { BackupStore } from "../../../src/jobs/types.ts";
import { createTestApp, json } from "../../support/app.ts";

/**
 * The admin jobs API on the real app: the registry as this deployment schedules it, what this
 * runtime can run, and retention run over HTTP deleting exactly what is past its cutoff.
 */

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** A backups folder that has never held a verified backup: the check must fail. */
const emptyBackups: BackupStore = {
  create: () => Promise.reject(new Error("not used by backup-check")),
  verify: () => Promise.reject(new Error("not used by backup-check")),
  prune: () => Promise.reject(new Error("not used by backup-check")),
  newestVerified: async () => undefined,
};

const t = await createTestApp({}, { jobs: { backups: emptyBackups } });
let admin: { token: string; id: string };

beforeAll(async () => {
  admin = await t.signup("ADMIN");
});

async function expiredSession(userId: string): Promise<string> {
  const session = await t.db.session.create({ data: { userId, tokenHash: `expired-${crypto.randomUUID()}`, expiresAt: new Date(Date.now() - HOUR) }, select: { id: true } });
  return session.id;
}

describe("admin jobs", () => {
  it("lists every job of the registry with its schedule here, whether it can run, and no runs yet", async () => {
    const body = await json(t.client.api.v1.admin.jobs.$get({ query: {} }, t.as(admin.token)), 200);
    const expected = schedules(t.config).map(({ job, schedule }) => ({ name: job.name, description: job.description, schedule }));
    expect(body.jobs.map(({ name, description, schedule }) => ({ name, description, schedule }))).toEqual(expected);
    expect(body.jobs.map((job) => job.name)).toEqual(JOBS.map((job) => job.name));
    expect(body.runs).toEqual([]);
    expect(body.jobs.every((job) => job.lastRun === null)).toBe(true);

    const byName = new Map(body.jobs.map((job) => [job.name, job]));
    // Retention needs nothing; the backup jobs have this app's backups folder; the rest need a recovery provider.
    for (const name of ["retention", "backup", "backup-check"]) expect(byName.get(name)).toMatchObject({ runnable: true, needs: null });
    for (const name of ["pitr-check", "recovery-drill", "recovery-prune"]) {
      expect(byName.get(name)).toMatchObject({ runnable: false, needs: expect.stringContaining("a recovery provider") });
    }
    expect(byName.get("recovery-drill")?.needs).toContain("DIRECT_URL");
  });

  it("POST retention/run deletes the expired session and the old resolved error, keeps the rest, and answers the JobRun", async () => {
    const user = await t.signup();
    const expired = await expiredSession(user.id);
    const old = await t.db.errorLog.create({ data: { fingerprint: "old", message: "old", resolved: true, lastSeenAt: new Date(Date.now() - 91 * DAY) }, select: { id: true } });
    const open = await t.db.errorLog.create({ data: { fingerprint: "open", message: "open", resolved: false, lastSeenAt: new Date(Date.now() - 91 * DAY) }, select: { id: true } });

    const run = await json(t.client.api.v1.admin.jobs[":name"].run.$post({ param: { name: "retention" } }, t.as(admin.token)), 200);
    expect(run).toMatchObject({ id: expect.any(String), job: "retention", trigger: "http", outcome: "succeeded", error: null });
    expect(run.rows).toMatchObject({ Session: 1, ErrorLog: 1, PerformanceMetric: 0, Note: 0, Project: 0, JobRun: 0 });
    expect(new Date(run.finishedAt as string).getTime()).toBeGreaterThanOrEqual(new Date(run.startedAt).getTime());
    expect(run.detail).toMatchObject({ batches: expect.any(Number), cutoffs: expect.objectContaining({ Session: expect.any(String) }) });

    expect(await t.db.session.findUnique({ where: { id: expired } })).toBeNull();
    expect(await t.db.errorLog.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await t.db.errorLog.findUnique({ where: { id: open.id } })).not.toBeNull();
    // The live sessions stay: both users can still ask who they are.
    expect((await t.request("GET", "/api/v1/auth/me", { token: user.token })).status).toBe(200);

    const row = await t.db.jobRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(row).toMatchObject({ job: "retention", trigger: "http", outcome: "succeeded", error: null });
    expect(row.finishedAt?.toISOString()).toBe(run.finishedAt);
    expect(await t.db.jobLease.count()).toBe(0);
  });

  it("a second run finds nothing left to delete", async () => {
    const res = await t.request("POST", "/api/v1/admin/jobs/retention/run", { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe("succeeded");
    expect(Object.values(res.body.rows)).toEqual(Object.values(res.body.rows).map(() => 0));
  });

  it("GET shows each job's last run and the recent runs newest first; ?job= and ?limit narrow them", async () => {
    const all = await t.request("GET", "/api/v1/admin/jobs", { token: admin.token });
    expect(all.status).toBe(200);
    const stored = await t.db.jobRun.findMany({ orderBy: { startedAt: "desc" }, select: { id: true } });
    expect(all.body.runs.map((run: { id: string }) => run.id)).toEqual(stored.map((run) => run.id));
    expect(all.body.runs).toHaveLength(2);
    const retention = all.body.jobs.find((job: { name: string }) => job.name === "retention");
    expect(retention.lastRun).toEqual(all.body.runs[0]);

    const one = await t.request("GET", "/api/v1/admin/jobs?limit=1", { token: admin.token });
    expect(one.body.runs).toEqual([all.body.runs[0]]);
    const none = await t.request("GET", "/api/v1/admin/jobs?job=backup", { token: admin.token });
    expect(none.body.runs).toEqual([]);
    const only = await t.request("GET", "/api/v1/admin/jobs?job=retention", { token: admin.token });
    expect(only.body.runs).toEqual(all.body.runs);
  });

  it("a failed run is still a 200: backup-check with no verified backup fails, says why, and raises its alert", async () => {
    const res = await t.request("POST", "/api/v1/admin/jobs/backup-check/run", { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job: "backup-check", trigger: "http", outcome: "failed", error: expect.stringContaining("no verified backup") });
    expect(res.body.detail.alert).toMatchObject({ kind: "failing", webhook: "not-configured" });
    expect(await t.db.errorLog.findFirst({ where: { route: "job:backup-check", resolved: false } })).toMatchObject({ method: "JOB" });
    expect(await t.db.jobRun.findUniqueOrThrow({ where: { id: res.body.id } })).toMatchObject({ outcome: "failed" });
  });

  it("a run while another holds the job is recorded as skipped, still a 200, and deletes nothing", async () => {
    const user = await t.signup();
    const expired = await expiredSession(user.id);
    await t.db.jobLease.create({ data: { job: "retention", runId: "elsewhere", expiresAt: new Date(Date.now() + HOUR) } });
    try {
      const res = await t.request("POST", "/api/v1/admin/jobs/retention/run", { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ job: "retention", trigger: "http", outcome: "skipped", error: expect.stringContaining("in progress"), detail: { reason: "busy", heldBy: "elsewhere" } });
      expect(await t.db.session.findUnique({ where: { id: expired } })).not.toBeNull();
    } finally {
      await t.db.jobLease.deleteMany({ where: { job: "retention", runId: "elsewhere" } });
    }
  });
});
