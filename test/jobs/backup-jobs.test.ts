import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupCheckJob, backupJob } from "../../src/jobs/backup-jobs.ts";
import { backupStore } from "../../src/jobs/node-capabilities.ts";
import { schedules } from "../../src/jobs/registry.ts";
import { runJob } from "../../src/jobs/runner.ts";
import type { JobDeps, JobRunRecord } from "../../src/jobs/types.ts";
import { readManifest } from "../../src/ops/backup/manifest.ts";
import type { Connection } from "../../src/ops/sql.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { DAY, fixedClock, insertUser, jobConfig } from "./fixtures.ts";

/**
 * The scheduled backup with real pg_dump: every run's dump is restored into a scratch database
 * before it counts, and the folder is pruned by the guide's table (production 30 days, staging
 * 7), the newest verified backup always kept; the check fails once the newest verified backup is
 * older than 26 hours. The clock is moved, so a month of daily backups takes seconds.
 */

const HOUR = 60 * 60 * 1000;
let dir: string;
let url: string;
let db: Connection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jobs-backups-"));
  url = (await createTestDatabase()).url;
  db = await openConnection(url);
  await insertUser(db, "backed-up-user");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = new Date(Date.UTC(2031, 2, 1, 2, 0, 0));

function deps(environment: "production" | "staging", folder: string, now: Date, overrides: Record<string, string> = {}): JobDeps {
  const config = jobConfig({ APP_ENV: environment, BACKUP_DIR: folder, ...overrides });
  return { sql: db, config, clock: fixedClock(now), backups: backupStore(config, url, process.cwd()) };
}

const dumps = (folder: string) => readdirSync(folder).filter((f) => f.endsWith(".dump")).sort();

describe("backup", { timeout: 120_000 }, () => {
  it("is scheduled daily in production and staging only: development backs up by hand, as the guide says", () => {
    const of = (APP_ENV: "production" | "staging" | "development") => schedules({ APP_ENV, JOB_SCHEDULES: undefined }).find((s) => s.job.name === "backup")?.schedule;
    expect(of("production")).toBe("0 2 * * *");
    expect(of("staging")).toBe("0 2 * * *");
    expect(of("development")).toBeNull();
  });

  it("production: each daily dump is verified by a restore, and dumps older than 30 days go", async () => {
    const folder = join(dir, "production");
    const ages = [35, 31, 29, 1, 0];
    const runs: JobRunRecord[] = [];
    for (const age of ages) runs.push(await runJob(backupJob, deps("production", folder, new Date(NOW.getTime() - age * DAY)), { trigger: "cli" }));
    for (const run of runs) expect(run.outcome, run.error ?? "").toBe("succeeded");

    const dump = (i: number) => runs[i]?.detail?.dump as { path: string; verified: boolean; pruned: string[] };
    for (let i = 0; i < ages.length; i++) {
      expect(dump(i).verified).toBe(true);
    }
    // Each run prunes what is then older than 30 days (exactly 30 stays): the 35-day-old dump
    // went in the run a day ago, the 31-day-old one today. Every dump left is proven restorable.
    expect(runs.map((_, i) => dump(i).pruned)).toEqual([[], [], [], [dump(0).path], [dump(1).path]]);
    const left = dumps(folder);
    expect(left).toHaveLength(3);
    for (const file of left) {
      const manifest = readManifest(join(folder, file));
      expect(manifest.verification.state).toBe("verified");
      expect(manifest.purpose).toBe("scheduled");
      expect(manifest.environment).toBe("production");
    }
  });

  it("staging keeps 7 days", async () => {
    const folder = join(dir, "staging");
    const runs: JobRunRecord[] = [];
    for (const age of [9, 8, 6, 0]) runs.push(await runJob(backupJob, deps("staging", folder, new Date(NOW.getTime() - age * DAY)), { trigger: "cli" }));
    expect(runs.map((r) => r.outcome)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(dumps(folder)).toHaveLength(2);
    expect((runs[3]?.detail?.dump as { kept: number }).kept).toBe(2);
  });

  it("the check passes while the newest verified backup is younger than 26 hours, and fails after", async () => {
    const folder = join(dir, "checked");
    const none = await runJob(backupCheckJob, deps("production", folder, NOW), { trigger: "cli" });
    expect(none.outcome).toBe("failed");
    expect(none.error).toMatch(/no verified backup or snapshot/);

    await runJob(backupJob, deps("production", folder, NOW), { trigger: "cli" });
    // The manifest's createdAt is the dump's moment on the moved clock.
    const fresh = await runJob(backupCheckJob, deps("production", folder, new Date(NOW.getTime() + 25 * HOUR)), { trigger: "cli" });
    expect(fresh.outcome).toBe("succeeded");
    expect(fresh.detail).toMatchObject({ newest: { kind: "dump" }, maxAgeHours: 26 });

    const stale = await runJob(backupCheckJob, deps("production", folder, new Date(NOW.getTime() + 27 * HOUR)), { trigger: "cli" });
    expect(stale.outcome).toBe("failed");
    expect(stale.error).toMatch(/is 27\.0 hours old, more than 26/);

    const relaxed = await runJob(backupCheckJob, deps("production", folder, new Date(NOW.getTime() + 27 * HOUR), { BACKUP_MAX_AGE_HOURS: "48" }), { trigger: "cli" });
    expect(relaxed.outcome).toBe("succeeded");
  });

  it("cannot run where there is neither pg_dump nor a provider with snapshots", async () => {
    const { backups: _none, ...without } = deps("production", join(dir, "none"), NOW);
    await expect(runJob(backupJob, without, { trigger: "cli" })).rejects.toThrow(/needs pg_dump and a backups folder \(Node\) or a recovery provider/);
  });
});
