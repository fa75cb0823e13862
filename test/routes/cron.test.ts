import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

/**
 * Vercel's cron route: with the right CRON_SECRET it runs the job the registry schedules, as a
 * schedule run; anything else is a 401 that runs nothing. The secret holds characters a strict
 * Bearer token grammar refuses, as a password generator's may.
 */
const SECRET = "cr0n-Secret!#%&*=with spaces";
const t = await createTestApp({ CRON_SECRET: SECRET });
let expired: string;

beforeAll(async () => {
  expired = await expiredSession(t);
});

async function expiredSession(app: typeof t): Promise<string> {
  const user = await app.signup();
  const session = await app.db.session.create({ data: { userId: user.id, tokenHash: `expired-${crypto.randomUUID()}`, expiresAt: new Date(Date.now() - 60_000) }, select: { id: true } });
  return session.id;
}

const cron = (app: typeof t, path: string, authorization?: string, method = "GET") =>
  app.request(method, `/api/cron/${path}`, { headers: authorization === undefined ? {} : { authorization } });

async function refusedAndUntouched(app: typeof t, res: Awaited<ReturnType<typeof cron>>, session: string) {
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe("UNAUTHORIZED");
  expect(res.headers.get("www-authenticate")).toBe('Bearer realm="cron"');
  expect(JSON.stringify(res.body)).not.toContain(SECRET);
  expect(await app.db.jobRun.count()).toBe(0);
  expect(await app.db.session.findUnique({ where: { id: session } })).not.toBeNull();
}

describe("cron route: refusals", () => {
  it.each([
    ["no Authorization header", undefined],
    ["an empty one", ""],
    ["a wrong secret of the same length", `Bearer ${"x".repeat(SECRET.length)}`],
    ["a wrong secret of another length", "Bearer not-the-cron-secret"],
    ["the secret without its last character", `Bearer ${SECRET.slice(0, -1)}`],
    ["the secret and more", `Bearer ${SECRET}x`],
    ["the secret without a scheme", SECRET],
    ["the secret in another scheme", `Basic ${SECRET}`],
    ["only the scheme", "Bearer "],
  ])("%s: 401, nothing run", async (_, authorization) => {
    await refusedAndUntouched(t, await cron(t, "retention", authorization), expired);
  });

  it("an admin's session token is no cron secret", async () => {
    const admin = await t.signup("ADMIN");
    await refusedAndUntouched(t, await cron(t, "retention", `Bearer ${admin.token}`), expired);
  });

  it("an unknown job with a wrong secret is a 401 too: who may ask comes before what exists", async () => {
    await refusedAndUntouched(t, await cron(t, "vacuum", "Bearer wrong-secret-wrong-secret"), expired);
  });

  it("without CRON_SECRET every call is refused, saying CRON_SECRET is not set", async () => {
    const unset = await createTestApp();
    const session = await expiredSession(unset);
    for (const authorization of [undefined, `Bearer ${SECRET}`, "Bearer "]) {
      const res = await cron(unset, "retention", authorization);
      await refusedAndUntouched(unset, res, session);
      expect(res.body.error.message).toContain("CRON_SECRET is not set");
    }
  });
});

describe("cron route: the right secret", () => {
  it("runs retention as a schedule run: the expired session is gone and the JobRun is answered and recorded", async () => {
    const res = await cron(t, "retention", `Bearer ${SECRET}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job: "retention", trigger: "schedule", outcome: "succeeded", error: null, rows: expect.objectContaining({ Session: 1 }) });
    expect(await t.db.session.findUnique({ where: { id: expired } })).toBeNull();
    const runs = await t.db.jobRun.findMany();
    expect(runs).toEqual([expect.objectContaining({ id: res.body.id, job: "retention", trigger: "schedule", outcome: "succeeded" })]);
    expect(runs[0]?.finishedAt?.toISOString()).toBe(res.body.finishedAt);

    // The admin API sees the same run as retention's last.
    const admin = await t.signup("ADMIN");
    const list = await t.request("GET", "/api/v1/admin/jobs", { token: admin.token });
    expect(list.body.jobs.find((job: { name: string }) => job.name === "retention").lastRun).toEqual(res.body);
  });

  it("the scheme is case-insensitive", async () => {
    const res = await cron(t, "retention", `bearer ${SECRET}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job: "retention", trigger: "schedule", outcome: "succeeded" });
  });

  it("an unknown job answers 404 and records nothing", async () => {
    const before = await t.db.jobRun.count();
    const res = await cron(t, "vacuum", `Bearer ${SECRET}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
    expect(await t.db.jobRun.count()).toBe(before);
  });

  it("a job this runtime cannot run answers 409 JOB_UNAVAILABLE and records nothing", async () => {
    const before = await t.db.jobRun.count();
    const res = await cron(t, "pitr-check", `Bearer ${SECRET}`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "JOB_UNAVAILABLE", details: { missing: ["recovery"] } });
    expect(await t.db.jobRun.count()).toBe(before);
  });

  it("a job not scheduled in this environment (backups are production's and staging's) answers 409 JOB_NOT_SCHEDULED", async () => {
    const before = await t.db.jobRun.count();
    const res = await cron(t, "backup", `Bearer ${SECRET}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("JOB_NOT_SCHEDULED");
    expect(res.body.error.message).toContain("POST /api/v1/admin/jobs/backup/run");
    expect(await t.db.jobRun.count()).toBe(before);
  });

  it("a job JOB_SCHEDULES turns off is not run by its cron either", async () => {
    const off = await createTestApp({ CRON_SECRET: SECRET, JOB_SCHEDULES: "retention=off" });
    const session = await expiredSession(off);
    const res = await cron(off, "retention", `Bearer ${SECRET}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("JOB_NOT_SCHEDULED");
    expect(await off.db.jobRun.count()).toBe(0);
    expect(await off.db.session.findUnique({ where: { id: session } })).not.toBeNull();
  });

  it.each(["POST", "DELETE"])("%s answers 405 naming GET and runs nothing", async (method) => {
    const before = await t.db.jobRun.count();
    const res = await cron(t, "retention", `Bearer ${SECRET}`, method);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect(await t.db.jobRun.count()).toBe(before);
  });
});
