import { beforeEach, describe, expect, it } from "vitest";
import { JOBS } from "../../src/jobs/registry.ts";
import { retentionJob } from "../../src/jobs/retention.ts";
import { runJob } from "../../src/jobs/runner.ts";
import { listRuns } from "../../src/jobs/history.ts";
import type { Connection } from "../../src/ops/sql.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import {
  at,
  DAY,
  fixedClock,
  insertErrorLog,
  insertJobRun,
  insertMetric,
  insertNote,
  insertProject,
  insertSession,
  insertUser,
  jobConfig,
  remaining,
  steppingClock,
  T,
} from "./fixtures.ts";

/**
 * The retention job against real PostgreSQL with the clock moved to T: every row past its
 * cutoff goes, every row at or inside it stays, in batches no larger than the configured size,
 * across a time-budget interruption, and a second run finds nothing to do.
 */

let db: Connection;
let url: string;
beforeEach(async () => {
  ({ url } = await createTestDatabase());
  db = await openConnection(url);
});

const HOUR = 60 * 60 * 1000;

/** One row on each side of every cutoff (defaults: 90, 30, 0, 30, 30, 90 days), named for its fate. */
async function seed() {
  const user = await insertUser(db, "fx-user");
  await insertErrorLog(db, "fx-gone-error-resolved-91d", at(-91 * DAY), true);
  await insertErrorLog(db, "fx-kept-error-resolved-89d", at(-89 * DAY), true);
  await insertErrorLog(db, "fx-kept-error-open-200d", at(-200 * DAY), false);
  await insertMetric(db, "fx-gone-metric-31d", at(-31 * DAY));
  await insertMetric(db, "fx-kept-metric-exactly-30d", at(-30 * DAY));
  await insertMetric(db, "fx-kept-metric-29d", at(-29 * DAY));
  await insertSession(db, "fx-gone-session-expired", user, at(-1_000));
  await insertSession(db, "fx-kept-session-valid", user, at(HOUR));
  await insertProject(db, "fx-gone-project-deleted-31d", user, at(-31 * DAY));
  await insertProject(db, "fx-kept-project-deleted-29d", user, at(-29 * DAY));
  await insertProject(db, "fx-kept-project-live", user, null);
  await insertNote(db, "fx-gone-note-deleted-31d", user, at(-31 * DAY), "fx-gone-project-deleted-31d");
  await insertNote(db, "fx-kept-note-live-in-purged-project", user, null, "fx-gone-project-deleted-31d");
  await insertNote(db, "fx-kept-note-deleted-29d", user, at(-29 * DAY));
  await insertJobRun(db, "fx-gone-run-91d", at(-91 * DAY), true);
  await insertJobRun(db, "fx-kept-run-91d-unfinished", at(-91 * DAY), false);
  await insertJobRun(db, "fx-kept-run-89d", at(-89 * DAY), true);
}

const fixtures = async () => Object.fromEntries(Object.entries(await remaining(db)).map(([table, ids]) => [table, ids.filter((id) => id.startsWith("fx-"))]));
const keptOnly = (before: Record<string, string[]>) => Object.fromEntries(Object.entries(before).map(([table, ids]) => [table, ids.filter((id) => !id.includes("-gone-"))]));

describe("retention", () => {
  it("is registered with its schedule and needs nothing but the database", () => {
    expect(JOBS).toContain(retentionJob);
    expect(retentionJob.needs).toEqual([]);
  });

  it("removes exactly the rows past each cutoff and records what it deleted", async () => {
    await seed();
    const before = await fixtures();
    const run = await runJob(retentionJob, { sql: db, config: jobConfig(), clock: fixedClock() }, { trigger: "cli" });

    expect(run.outcome).toBe("succeeded");
    expect(await fixtures()).toEqual(keptOnly(before));
    const goneByTable = Object.fromEntries(Object.entries(before).map(([table, ids]) => [table, ids.filter((id) => id.includes("-gone-")).length]));
    expect(run.rows).toEqual(goneByTable);
    // A live note of a purged project stays, without its project.
    expect((await db.query(`SELECT "projectId" FROM "Note" WHERE id = 'fx-kept-note-live-in-purged-project'`)).rows).toEqual([{ projectId: null }]);
    expect(run.detail?.cutoffs).toMatchObject({ PerformanceMetric: new Date(T.getTime() - 30 * DAY).toISOString(), Session: T.toISOString() });
  });

  it("follows the cutoffs of the environment's configuration", async () => {
    await seed();
    const config = jobConfig({ RETENTION_METRIC_DAYS: "10", RETENTION_ERROR_LOG_DAYS: "365" });
    const run = await runJob(retentionJob, { sql: db, config, clock: fixedClock() }, { trigger: "cli" });
    expect(run.rows).toMatchObject({ PerformanceMetric: 3, ErrorLog: 0 });
    expect((await fixtures()).PerformanceMetric).toEqual([]);
    expect((await fixtures()).ErrorLog).toContain("fx-gone-error-resolved-91d");
  });

  it("deletes in batches of at most RETENTION_BATCH_SIZE and is idempotent", async () => {
    const expired = 11;
    for (let i = 0; i < expired; i++) await insertMetric(db, `fx-gone-metric-${String(i).padStart(2, "0")}`, at(-40 * DAY - i * HOUR));
    await insertMetric(db, "fx-kept-metric-new", at(-DAY));
    const batchSize = 4;
    const config = jobConfig({ RETENTION_BATCH_SIZE: String(batchSize) });

    const first = await runJob(retentionJob, { sql: db, config, clock: fixedClock() }, { trigger: "cli" });
    expect(first.rows?.PerformanceMetric).toBe(expired);
    // Full batches until one comes back short: ceil((n + 1) / size) statements for the metrics, one for each other table.
    expect(first.detail?.batches).toBe(Math.floor(expired / batchSize) + 1 + 5);
    expect((await fixtures()).PerformanceMetric).toEqual(["fx-kept-metric-new"]);

    const second = await runJob(retentionJob, { sql: db, config, clock: fixedClock() }, { trigger: "cli" });
    expect(second.outcome).toBe("succeeded");
    expect(Object.values(second.rows ?? {}).every((n) => n === 0)).toBe(true);
    expect((await fixtures()).PerformanceMetric).toEqual(["fx-kept-metric-new"]);
  });

  it("stops inside its time budget as partial, and the next run carries on to the same end", async () => {
    await seed();
    for (let i = 0; i < 20; i++) await insertMetric(db, `fx-gone-metric-bulk-${String(i).padStart(2, "0")}`, at(-60 * DAY));
    const before = await fixtures();
    const config = jobConfig({ RETENTION_BATCH_SIZE: "2" });
    // Each read of the clock is a second later; a 5 s budget allows a few batches, not all of them.
    const interrupted = await runJob(retentionJob, { sql: db, config, clock: steppingClock(T, 1_000) }, { trigger: "cli", budgetMs: 5_000 });
    expect(interrupted.outcome).toBe("partial");
    expect(interrupted.error).toMatch(/time budget of 5000 ms ran out/);
    const afterFirst = await fixtures();
    expect((afterFirst.PerformanceMetric ?? []).filter((id) => id.includes("-gone-")).length).toBeGreaterThan(0);
    // Nothing inside a cutoff went, even in the interrupted run.
    for (const [table, ids] of Object.entries(keptOnly(before))) expect(afterFirst[table]).toEqual(expect.arrayContaining(ids));

    const resumed = await runJob(retentionJob, { sql: db, config, clock: fixedClock() }, { trigger: "cli" });
    expect(resumed.outcome).toBe("succeeded");
    expect(await fixtures()).toEqual(keptOnly(before));
    const total = (table: string) => (interrupted.rows?.[table] ?? 0) + (resumed.rows?.[table] ?? 0);
    expect(total("PerformanceMetric")).toBe(before.PerformanceMetric?.filter((id) => id.includes("-gone-")).length);

    const history = (await listRuns(db, { job: "retention" })).filter((r) => !r.id.startsWith("fx-"));
    expect(history.map((r) => `${r.id}:${r.outcome}`).sort()).toEqual([`${interrupted.id}:partial`, `${resumed.id}:succeeded`].sort());
  });

  it("skips a row another transaction holds without waiting, and deletes it (moved by that update) on the next run", async () => {
    await insertMetric(db, "fx-gone-metric-held", at(-40 * DAY));
    await insertMetric(db, "fx-gone-metric-free", at(-40 * DAY));
    await insertMetric(db, "fx-kept-metric-new", at(-DAY));
    const holder = await openConnection(url);
    try {
      await holder.query("BEGIN");
      // An update gives the row a new physical address (ctid) once it commits.
      await holder.query(`UPDATE "PerformanceMetric" SET "durationMs" = "durationMs" + 1 WHERE id = 'fx-gone-metric-held'`);
      const first = await runJob(retentionJob, { sql: db, config: jobConfig(), clock: fixedClock() }, { trigger: "cli" });
      expect(first.rows?.PerformanceMetric).toBe(1);
      expect((await fixtures()).PerformanceMetric).toEqual(["fx-gone-metric-held", "fx-kept-metric-new"]);
      await holder.query("COMMIT");
    } finally {
      await holder.close();
    }
    const second = await runJob(retentionJob, { sql: db, config: jobConfig(), clock: fixedClock() }, { trigger: "cli" });
    expect(second.rows?.PerformanceMetric).toBe(1);
    expect((await fixtures()).PerformanceMetric).toEqual(["fx-kept-metric-new"]);
  });

  it("deletes nothing while maintenance is on", async () => {
    await seed();
    const before = await fixtures();
    await db.query(`INSERT INTO "MaintenanceMode" (id, enabled, "updatedAt") VALUES (1, true, now())`);
    const run = await runJob(retentionJob, { sql: db, config: jobConfig(), clock: fixedClock() }, { trigger: "cli" });
    expect(run.outcome).toBe("skipped");
    expect(run.error).toMatch(/maintenance is on/);
    expect(await fixtures()).toEqual(before);
  });
});
