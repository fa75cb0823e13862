import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { retentionJob } from "../../src/jobs/retention.ts";
import { pitrCheckJob } from "../../src/jobs/recovery-jobs.ts";
import { startScheduler, type Scheduler } from "../../src/jobs/scheduler.ts";
import type { JobDefinition, JobDeps } from "../../src/jobs/types.ts";
import type { SqlClient } from "../../src/ops/sql.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { DAY, insertSession, insertUser, jobConfig } from "./fixtures.ts";

/**
 * npm start's scheduler on real timers (six-field crons: every second) against a real database,
 * with the real clock: what is asserted is the SQL state the runs leave, waited for with
 * expect.poll, never how long anything took.
 */

const EVERY_SECOND = "* * * * * *";

const started: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

function start(options: Parameters<typeof startScheduler>[0]): Scheduler {
  const scheduler = startScheduler(options);
  started.push(scheduler);
  return scheduler;
}

async function freshDb(): Promise<SqlClient> {
  return openConnection((await createTestDatabase()).url);
}

const count = async (sql: SqlClient, query: string, params: unknown[] = []) => Number((await sql.query<{ n: number }>(query, params)).rows[0]?.n);
const sessions = (sql: SqlClient) => sql.query<{ id: string }>(`SELECT id FROM "Session" ORDER BY id`).then((r) => r.rows.map((row) => row.id));
const runsOf = (sql: SqlClient, job: string) =>
  sql.query<{ trigger: string; outcome: string | null; finished: boolean }>(`SELECT "trigger", outcome::text AS outcome, "finishedAt" IS NOT NULL AS finished FROM "JobRun" WHERE job = $1 ORDER BY "startedAt"`, [job]).then((r) => r.rows);

/** A job held at a gate inside its work: "while it runs" is a fact of the test, not a race. */
function gatedJob(name: string): { job: JobDefinition; entered: Promise<void>; open: () => void } {
  let open!: () => void;
  let signal!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (signal = resolve));
  return {
    job: { name, description: "held at a gate", schedule: "0 0 * * *", needs: [], run: async () => (signal(), await gate, { outcome: "succeeded" }) },
    entered,
    open,
  };
}

async function seedSessions(sql: SqlClient) {
  const user = await insertUser(sql, "sched-user");
  await insertSession(sql, "sched-expired", user, new Date(Date.now() - DAY));
  await insertSession(sql, "sched-live", user, new Date(Date.now() + DAY));
}

describe("npm start's scheduler", () => {
  it("runs retention on its schedule: the expired session goes, a JobRun with trigger schedule records it, one line is logged", async () => {
    const sql = await freshDb();
    await seedSessions(sql);
    const lines: string[] = [];
    const scheduler = start({ schedules: [{ job: retentionJob, schedule: EVERY_SECOND }], deps: { sql, config: jobConfig() }, log: (line) => lines.push(line) });
    expect(scheduler.scheduled).toEqual([{ job: "retention", schedule: EVERY_SECOND }]);

    await expect.poll(() => sessions(sql), { timeout: 15_000, interval: 100 }).toEqual(["sched-live"]);
    await expect.poll(() => runsOf(sql, "retention"), { timeout: 15_000, interval: 100 }).toEqual(expect.arrayContaining([{ trigger: "schedule", outcome: "succeeded", finished: true }]));
    await expect.poll(() => lines.find((l) => l.includes("Session=1")), { timeout: 15_000, interval: 100 }).toMatch(/^\[jobs\] retention: succeeded rows Session=1 \(run [\w-]+\)$/);
  });

  it("stop() ends the timers and no run is left working; nothing runs after it", async () => {
    const sql = await freshDb();
    const scheduler = start({ schedules: [{ job: retentionJob, schedule: EVERY_SECOND }], deps: { sql, config: jobConfig() }, log: () => {} });
    await expect.poll(() => count(sql, `SELECT count(*)::int AS n FROM "JobRun" WHERE "finishedAt" IS NOT NULL`), { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
    await scheduler.stop();

    const runs = await count(sql, `SELECT count(*)::int AS n FROM "JobRun"`);
    expect(await count(sql, `SELECT count(*)::int AS n FROM "JobRun" WHERE "finishedAt" IS NULL`)).toBe(0);
    expect(await count(sql, `SELECT count(*)::int AS n FROM "JobLease"`)).toBe(0);
    // Three ticks of an every-second schedule pass: none of them runs.
    await sleep(3_100);
    expect(await count(sql, `SELECT count(*)::int AS n FROM "JobRun"`)).toBe(runs);
  });

  it("stop() waits for a run in progress to finish and record itself", async () => {
    const sql = await freshDb();
    const gated = gatedJob("gated");
    const scheduler = start({ schedules: [{ job: gated.job, schedule: EVERY_SECOND }], deps: { sql, config: jobConfig() }, log: () => {} });
    await gated.entered;
    let stopDone = false;
    const stopping = scheduler.stop().then(() => (stopDone = true));
    expect(await runsOf(sql, "gated")).toEqual([{ trigger: "schedule", outcome: null, finished: false }]);
    expect(stopDone).toBe(false);
    gated.open();
    await stopping;
    expect(await runsOf(sql, "gated")).toEqual([{ trigger: "schedule", outcome: "succeeded", finished: true }]);
  });

  it("stop() waits only so long for a run that does not finish, and says so", async () => {
    const sql = await freshDb();
    const gated = gatedJob("stuck");
    const lines: string[] = [];
    const scheduler = start({ schedules: [{ job: gated.job, schedule: EVERY_SECOND }], deps: { sql, config: jobConfig() }, log: (l) => lines.push(l), stopWaitMs: 200 });
    await gated.entered;
    await scheduler.stop();
    expect(lines).toContainEqual(expect.stringMatching(/^\[jobs\] stopping without 1 run\(s\) still working after 200 ms/));
    expect(await runsOf(sql, "stuck")).toEqual([{ trigger: "schedule", outcome: null, finished: false }]);
    gated.open();
    await expect.poll(() => runsOf(sql, "stuck"), { timeout: 5_000, interval: 50 }).toEqual([{ trigger: "schedule", outcome: "succeeded", finished: true }]);
  });

  it("a job still working when its next tick comes is not started twice in this process", async () => {
    const sql = await freshDb();
    const gated = gatedJob("slow");
    const lines: string[] = [];
    start({ schedules: [{ job: gated.job, schedule: EVERY_SECOND }], deps: { sql, config: jobConfig() }, log: (l) => lines.push(l) });
    await gated.entered;
    await expect.poll(() => lines.filter((l) => l.includes("slow: the previous run is still working")).length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    // Neither a second run nor a skipped one: the tick never reached the database.
    expect(await runsOf(sql, "slow")).toEqual([{ trigger: "schedule", outcome: null, finished: false }]);
    gated.open();
    await expect.poll(() => runsOf(sql, "slow"), { timeout: 15_000, interval: 100 }).toEqual(expect.arrayContaining([{ trigger: "schedule", outcome: "succeeded", finished: true }]));
  });

  it("a job that fails, or cannot even be recorded (its database calls throw), stops neither the others nor the process", async () => {
    const sql = await freshDb();
    await seedSessions(sql);
    const failing: JobDefinition = { name: "failing", description: "always throws", schedule: "0 0 * * *", needs: [], run: async () => Promise.reject(new Error("the job broke")) };
    const unrecordable: JobDefinition = { name: "unrecordable", description: "its runs cannot be written", schedule: "0 0 * * *", needs: [], run: async () => ({ outcome: "succeeded" }) };
    // As a database that is down answers: every statement about this job throws.
    const flaky: SqlClient = {
      query: <R extends object>(text: string, params?: unknown[]) =>
        params?.includes("unrecordable") ? Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })) : sql.query<R>(text, params),
    };
    const lines: string[] = [];
    start({
      schedules: [failing, unrecordable, retentionJob].map((job) => ({ job, schedule: EVERY_SECOND })),
      deps: { sql: flaky, config: jobConfig() } satisfies JobDeps,
      log: (l) => lines.push(l),
    });

    await expect.poll(() => sessions(sql), { timeout: 15_000, interval: 100 }).toEqual(["sched-live"]);
    await expect.poll(async () => (await runsOf(sql, "failing")).filter((r) => r.outcome === "failed").length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => lines.filter((l) => l.startsWith("[jobs] unrecordable: could not run: connect ECONNREFUSED")).length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    expect(lines).toContainEqual(expect.stringMatching(/^\[jobs\] failing: failed: the job broke \(run [\w-]+\)$/));
    expect(await runsOf(sql, "unrecordable")).toEqual([]);
    // Retention keeps running alongside: more than one run of it.
    await expect.poll(async () => (await runsOf(sql, "retention")).filter((r) => r.outcome === "succeeded").length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(2);
  });

  it("leaves off the timers a scheduled job this runtime cannot run, saying what it needs, and unscheduled jobs entirely", async () => {
    const sql = await freshDb();
    const scheduler = start({
      schedules: [
        { job: pitrCheckJob, schedule: "30 * * * *" },
        { job: retentionJob, schedule: null },
      ],
      deps: { sql, config: jobConfig() },
      log: () => {},
    });
    expect(scheduler.scheduled).toEqual([]);
    expect(scheduler.unavailable).toEqual([{ job: "pitr-check", schedule: "30 * * * *", needs: expect.stringContaining("a recovery provider") }]);
  });

  it("never logs the database password an error quotes", async () => {
    const sql = await freshDb();
    const url = "postgresql://app:s3cret-pass@db.example.com:5432/app";
    const leaky: JobDefinition = { name: "leaky", description: "quotes its URL", schedule: "0 0 * * *", needs: [], run: async () => Promise.reject(new Error(`could not reach ${url}`)) };
    const lines: string[] = [];
    start({ schedules: [{ job: leaky, schedule: EVERY_SECOND }], deps: { sql, config: jobConfig(), directUrl: url }, log: (l) => lines.push(l) });
    await expect.poll(() => lines.find((l) => l.startsWith("[jobs] leaky:")), { timeout: 15_000, interval: 100 }).toContain("could not reach postgresql://app:****@db.example.com:5432/app");
    expect(lines.join("\n")).not.toContain("s3cret-pass");
  });
});
