import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupCheckJob, backupJob, SNAPSHOT_PREFIX } from "../../src/jobs/backup-jobs.ts";
import { pitrCheckJob, recoveryPruneJob } from "../../src/jobs/recovery-jobs.ts";
import { runJob } from "../../src/jobs/runner.ts";
import type { JobDeps } from "../../src/jobs/types.ts";
import { NeonRecoveryProvider, startNeonEmulator, type NeonEmulator } from "../../src/ops/recovery/neon/index.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { fixedClock, jobConfig } from "./fixtures.ts";
import { startArchivingPrimary, type ArchivingPrimary } from "./primary.ts";

/**
 * The jobs through the Neon code path: Neon's API client over HTTP to the local emulator (backed
 * by a real self-hosted primary). Where there is no pg_dump (a Worker), the daily backup is a Neon
 * snapshot, kept under Neon's per-project limit and pruned by the same retention; the backup check
 * reads the newest snapshot; the PITR check reads Neon's window; the archive prune has nothing to do.
 */

const API_KEY = "neon-jobs-key-9d2e4f61";
const PROJECT = "quiet-lake-13572468";
const HOUR = 60 * 60 * 1000;

let primary: ArchivingPrimary;
let emulator: NeonEmulator;
let neon: NeonRecoveryProvider;
let db: Connection;

beforeAll(async () => {
  primary = await startArchivingPrimary("jobs-neon-");
  emulator = await startNeonEmulator({ provider: primary.provider, apiKey: API_KEY, projectId: PROJECT, historyRetentionSeconds: 3600, operationDelayMs: 50 });
  neon = new NeonRecoveryProvider({ apiKey: API_KEY, projectId: PROJECT, baseURL: emulator.url, database: "app", role: "postgres", pollIntervalMs: 25 });
  db = await connect(await neon.connectionString("main"));
}, 120_000);

afterAll(async () => {
  await db?.close();
  await emulator?.close().catch(() => {});
  await primary?.remove();
}, 60_000);

/** What a Worker has: the database and the Neon API, no pg_dump. */
const deps = (overrides: Record<string, string> = {}, extra: Partial<JobDeps> = {}): JobDeps => ({
  sql: db,
  config: jobConfig({ APP_ENV: "production", ...overrides }),
  recovery: async () => neon,
  ...extra,
});

describe("jobs on Neon", { timeout: 120_000 }, () => {
  it("backs up with a snapshot that expires with the retention, staying under the snapshot limit", async () => {
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await runJob(backupJob, deps({ BACKUP_SNAPSHOT_LIMIT: "3" }), { trigger: "schedule" }));
    expect(runs.map((r) => r.outcome)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    const taken = runs.map((r) => (r.detail?.snapshot as { name: string }).name);
    for (const name of taken) expect(name.startsWith(SNAPSHOT_PREFIX)).toBe(true);

    const left = await neon.listSnapshots();
    // Three at most: the oldest went to make room for the fourth.
    expect(left.map((s) => s.name).sort()).toEqual(taken.slice(1).sort());
    expect((runs[3]?.detail?.snapshot as { pruned: string[] }).pruned).toEqual([taken[0]]);
    // Production keeps backups 30 days: Neon deletes each one by itself then.
    for (const snapshot of left) {
      expect(snapshot.expiresAt).toBeInstanceOf(Date);
      expect(Math.round(((snapshot.expiresAt as Date).getTime() - snapshot.createdAt.getTime()) / (24 * HOUR))).toBe(30);
    }
  });

  it("the backup check reads the newest snapshot: fresh passes, 27 hours later fails", async () => {
    const fresh = await runJob(backupCheckJob, deps(), { trigger: "schedule" });
    expect(fresh.outcome).toBe("succeeded");
    expect(fresh.detail).toMatchObject({ newest: { kind: "snapshot" } });
    const later = await runJob(backupCheckJob, deps({}, { clock: fixedClock(new Date(Date.now() + 27 * HOUR)) }), { trigger: "schedule" });
    expect(later.outcome).toBe("failed");
    expect(later.error).toMatch(/hours old, more than 26/);
  });

  it("the PITR check reads Neon's window, and fails when its newest moment lags", async () => {
    const ok = await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "0" }), { trigger: "schedule" });
    expect(ok.outcome, ok.error ?? "").toBe("succeeded");
    expect(ok.detail).toMatchObject({ provider: "neon", policyDays: 0 });
    const lagging = await runJob(pitrCheckJob, deps({ PITR_MIN_WINDOW_DAYS: "0", PITR_MAX_LAG_MINUTES: "15" }, { clock: fixedClock(new Date(Date.now() + 2 * HOUR)) }), { trigger: "schedule" });
    expect(lagging.outcome).toBe("failed");
    expect(lagging.error).toMatch(/newest restorable moment .* is 1\d\d minutes old, more than 15/);
  });

  it("the archive prune has nothing to do: Neon keeps history by its own setting", async () => {
    const run = await runJob(recoveryPruneJob, deps(), { trigger: "schedule" });
    expect(run.outcome).toBe("succeeded");
    expect(run.detail).toMatchObject({ provider: "neon" });
  });
});
