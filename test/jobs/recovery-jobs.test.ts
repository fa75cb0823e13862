import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pitrCheckJob, recoveryDrillJob, recoveryPruneJob } from "../../src/jobs/recovery-jobs.ts";
import { JobUnavailableError, runJob } from "../../src/jobs/runner.ts";
import type { JobDeps } from "../../src/jobs/types.ts";
import type { SelfHostedRecovery } from "../../src/ops/recovery/self-hosted/index.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { jobConfig } from "./fixtures.ts";
import { startArchivingPrimary, type ArchivingPrimary } from "./primary.ts";
import { deadUrl, startWebhook, type Webhook } from "./webhook.ts";

/**
 * The point-in-time-recovery jobs on a real self-hosted primary with WAL archiving: the check
 * passes, fails on a policy the history cannot meet (one alert, then none while it keeps failing,
 * then one "resolved"), survives a webhook that is down; the drill restores, verifies, deletes and
 * records its recovery time; the prune runs, and waits while maintenance is on.
 */

let primary: ArchivingPrimary;
let provider: SelfHostedRecovery;
let appUrl: string;
let db: Connection;
let hook: Webhook;

beforeAll(async () => {
  primary = await startArchivingPrimary("jobs-pitr-");
  ({ provider, appUrl } = primary);
  db = await connect(appUrl);
  await provider.ensureBaseBackup();
  hook = await startWebhook();
}, 120_000);

afterAll(async () => {
  await db?.close();
  await hook?.close();
  await primary?.remove();
});

function deps(overrides: Record<string, string> = {}, webhookUrl = hook.url): JobDeps {
  return { sql: db, config: jobConfig({ ALERT_WEBHOOK_URL: webhookUrl, ...overrides }), recovery: async () => provider, directUrl: appUrl };
}

const jobErrorLog = async () =>
  (await db.query<{ count: number; resolved: boolean; message: string; method: string }>(`SELECT count, resolved, message, method FROM "ErrorLog" WHERE route = 'job:pitr-check'`)).rows;

describe("pitr-check", { timeout: 120_000 }, () => {
  it("passes when archiving keeps up and the window meets the policy, reporting the window", async () => {
    const run = await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "0" }), { trigger: "cli" });
    expect(run.outcome).toBe("succeeded");
    expect(run.detail).toMatchObject({ provider: "self-hosted", policyDays: 0 });
    expect(typeof run.detail?.archivedInMs).toBe("number");
    const window = run.detail?.window as { from: string; to: string };
    expect(Date.parse(window.from)).toBeLessThanOrEqual(Date.parse(window.to));
    expect(hook.received).toEqual([]);
  });

  it("a failing check alerts once, a second failure not again, the recovery sends a resolved", async () => {
    const failing = await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "3" }), { trigger: "cli" });
    expect(failing.outcome).toBe("failed");
    expect(failing.error).toMatch(/less than the policy's 3/);
    expect(failing.detail?.alert).toEqual({ kind: "failing", webhook: "delivered" });
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ job: "pitr-check", status: "failing", runId: failing.id, environment: "test" });
    expect(hook.received[0]?.text).toContain("job pitr-check failed");
    expect(await jobErrorLog()).toEqual([{ count: 1, resolved: false, message: expect.stringContaining("less than the policy's 3"), method: "JOB" }]);

    const again = await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "3" }), { trigger: "cli" });
    expect(again.outcome).toBe("failed");
    expect(again.detail?.alert).toBeUndefined();
    expect(hook.received).toHaveLength(1);
    expect((await jobErrorLog())[0]?.count).toBe(1);

    const healthy = await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "0" }), { trigger: "cli" });
    expect(healthy.outcome).toBe("succeeded");
    expect(healthy.detail?.alert).toEqual({ kind: "resolved", webhook: "delivered" });
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]).toMatchObject({ job: "pitr-check", status: "resolved", runId: healthy.id });
    expect((await jobErrorLog())[0]?.resolved).toBe(true);

    await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "0" }), { trigger: "cli" });
    expect(hook.received).toHaveLength(2);
  });

  it("a webhook that is down does not fail the job: the run is recorded and says the alert was not delivered", async () => {
    const down = await deadUrl();
    const run = await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "5" }, down), { trigger: "cli" });
    expect(run.outcome).toBe("failed");
    expect(run.error).toMatch(/policy's 5/);
    expect(run.detail?.alert).toMatchObject({ kind: "failing", webhook: "failed" });
    expect((await jobErrorLog())[0]).toMatchObject({ resolved: false, count: 2 });
    await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "0" }, down), { trigger: "cli" });
  });

  it("cannot run without a recovery provider, and says what it needs", async () => {
    const { recovery: _none, ...without } = deps();
    await expect(runJob(pitrCheckJob, without, { trigger: "cli" })).rejects.toThrow(JobUnavailableError);
    await expect(runJob(pitrCheckJob, without, { trigger: "cli" })).rejects.toThrow(/needs a recovery provider/);
  });
});

describe("recovery-drill", { timeout: 180_000 }, () => {
  it("restores into a throwaway branch, verifies it, deletes it and records the recovery time", async () => {
    await db.query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('drill-user', 'drill@example.com', 'x', now())`);
    const run = await runJob(recoveryDrillJob, deps({ DRILL_MINUTES_AGO: "0" }), { trigger: "cli" });
    expect(run.error).toBeNull();
    expect(run.outcome).toBe("succeeded");
    expect(run.detail).toMatchObject({ provider: "self-hosted", deleted: true });
    expect(run.detail?.rtoMs).toBeGreaterThan(0);
    expect((await provider.listBranches()).map((b) => b.name)).toEqual(["main"]);
  });

  it("drills the newest moment of a history younger than its minutes instead of failing", async () => {
    const run = await runJob(recoveryDrillJob, deps({ DRILL_MINUTES_AGO: String(7 * 24 * 60) }), { trigger: "cli" });
    expect(run.error).toBeNull();
    expect(run.outcome).toBe("succeeded");
    expect(run.detail?.historyYoungerThanAsked).toBe(true);
    const window = await provider.restoreWindow();
    expect(Date.parse(run.detail?.at as string)).toBeLessThanOrEqual(window.to.getTime());
    expect(Date.parse(run.detail?.at as string)).toBeGreaterThan(window.from.getTime());
  });
});

describe("recovery-prune", { timeout: 120_000 }, () => {
  it("prunes the archive to RECOVERY_WINDOW_DAYS, and keeps everything while maintenance is on", async () => {
    const run = await runJob(recoveryPruneJob, deps(), { trigger: "cli" });
    expect(run.outcome).toBe("succeeded");
    expect(run.detail).toMatchObject({ provider: "self-hosted", walSegments: expect.any(Number), bytesFreed: expect.any(Number) });

    await db.query(`INSERT INTO "MaintenanceMode" (id, enabled, "updatedAt") VALUES (1, true, now()) ON CONFLICT (id) DO UPDATE SET enabled = true`);
    try {
      const paused = await runJob(recoveryPruneJob, deps(), { trigger: "cli" });
      expect(paused.outcome).toBe("skipped");
      expect(paused.error).toMatch(/maintenance is on/);
    } finally {
      await db.query(`UPDATE "MaintenanceMode" SET enabled = false WHERE id = 1`);
    }
  });
});
