import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { JOB_NAMES } from "../../src/jobs/registry.ts";
import { connect, quoteIdent, type Connection } from "../../src/ops/sql.ts";
import { DAY, insertErrorLog, insertMetric, insertSession, insertUser, remaining } from "../jobs/fixtures.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { expectOneSentence, runDbctl, type DbctlRun } from "./run-dbctl.ts";

/**
 * `dbctl jobs` against a real database: `run` is the same run the scheduler starts (rows past
 * their cutoff go, nothing else; a JobRun with trigger cli), `history` and `list` read what the
 * runs wrote. Nothing here is scheduled: these runs use the real clock, so the rows are made
 * old relative to now.
 */

// A login role with a recognisable password, so "never printed" is checkable.
const role = `jobs_${randomBytes(4).toString("hex")}`;
const password = `pw-${randomBytes(8).toString("hex")}`;
const admin = await connect(inject("pg").adminUrl);
await admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN SUPERUSER PASSWORD '${password}'`);
await admin.close();

const db = await createTestDatabase();
const asRole = (url: string) => {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = password;
  return parsed.toString();
};
const url = asRole(db.url);
const maskedUrl = url.replace(`:${password}@`, ":****@");

// Empty folders: no self-hosted recovery archive, no backups (whatever the repository's .data holds).
const scratch = mkdtempSync(join(tmpdir(), "dbctl-jobs-"));
const env = { DIRECT_URL: url, APP_ENV: "test", RECOVERY_DIR: join(scratch, "recovery"), BACKUP_DIR: join(scratch, "backups") };

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  const cleanup = await connect(inject("pg").adminUrl);
  try {
    await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdent(db.name)} WITH (FORCE)`);
    await cleanup.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  } finally {
    await cleanup.close();
  }
});

const runs: DbctlRun[] = [];
async function dbctl(args: string[], extra: Record<string, string> = {}): Promise<DbctlRun> {
  const run = await runDbctl(args, { ...env, ...extra });
  runs.push(run);
  return run;
}

let sql: Connection;
const jobRuns = async () => (await sql.query<{ job: string; trigger: string; outcome: string }>(`SELECT job, "trigger", outcome::text AS outcome FROM "JobRun" ORDER BY "startedAt"`)).rows;

beforeAll(async () => {
  sql = await openConnection(db.url);
  const user = await insertUser(sql, "jobs-user");
  const now = Date.now();
  await insertSession(sql, "s-expired-1", user, new Date(now - 2 * DAY));
  await insertSession(sql, "s-expired-2", user, new Date(now - 60_000));
  await insertSession(sql, "s-live", user, new Date(now + DAY));
  await insertErrorLog(sql, "e-old-resolved", new Date(now - 100 * DAY), true);
  await insertErrorLog(sql, "e-old-open", new Date(now - 100 * DAY), false);
  await insertErrorLog(sql, "e-new-resolved", new Date(now - DAY), true);
  await insertMetric(sql, "m-old", new Date(now - 40 * DAY));
  await insertMetric(sql, "m-new", new Date(now - DAY));
});

describe("dbctl jobs run", () => {
  it("runs retention now: exactly the rows past their cutoff go, it prints the outcome and records a cli run", async () => {
    const before = await remaining(sql);
    const run = await dbctl(["jobs", "run", "retention"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Job retention succeeded in \d+ ms \(run [\w-]+\): ErrorLog=1 PerformanceMetric=1 Session=2\n$/);
    const { JobRun, ...after } = await remaining(sql);
    const { JobRun: runsBefore, ...rest } = before;
    expect(after).toEqual({ ...rest, ErrorLog: ["e-new-resolved", "e-old-open"], PerformanceMetric: ["m-new"], Session: ["s-live"] });
    expect(runsBefore).toEqual([]);
    expect(JobRun).toHaveLength(1);
    expect(await jobRuns()).toEqual([{ job: "retention", trigger: "cli", outcome: "succeeded" }]);
  });

  it("--json prints one document: the finished run; a second run finds nothing to do", async () => {
    const run = await dbctl(["jobs", "run", "retention", "--json", "--budget-ms", "60000"]);
    expect(run.code, run.stderr).toBe(0);
    const body = JSON.parse(run.stdout) as { database: string; run: { job: string; trigger: string; outcome: string; rows: Record<string, number>; finishedAt: string } };
    expect(body.database).toBe(maskedUrl);
    expect(body.run).toMatchObject({ job: "retention", trigger: "cli", outcome: "succeeded", rows: { ErrorLog: 0, PerformanceMetric: 0, Session: 0, Note: 0, Project: 0, JobRun: 0 } });
    expect(new Date(body.run.finishedAt).getTime()).not.toBeNaN();
    expect((await remaining(sql)).Session).toEqual(["s-live"]);
  });

  it("records skipped and changes nothing while another run holds the job (exit 0)", async () => {
    const user = await insertUser(sql, "busy-user");
    await insertSession(sql, "s-expired-busy", user, new Date(Date.now() - DAY));
    await sql.query(`INSERT INTO "JobLease" (job, "runId", "acquiredAt", "expiresAt") VALUES ('retention', 'another-run', now(), (now() AT TIME ZONE 'UTC') + interval '1 hour')`);
    try {
      const run = await dbctl(["jobs", "run", "retention"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Job retention skipped in 0 ms \(run [\w-]+\): another run of retention is in progress\n$/);
      expect((await remaining(sql)).Session).toEqual(["s-expired-busy", "s-live"]);
    } finally {
      await sql.query(`DELETE FROM "JobLease" WHERE job = 'retention'`);
    }
    expect((await dbctl(["jobs", "run", "retention"])).code).toBe(0);
    expect((await remaining(sql)).Session).toEqual(["s-live"]);
  });

  it("a job that fails exits 1 with one sentence, and its run is recorded as failed", async () => {
    const run = await dbctl(["jobs", "run", "backup-check"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Job backup-check failed in \d+ ms/);
    expectOneSentence(run.stderr);
    expect(run.stderr).toMatch(/^Job backup-check failed: /);
    expect((await jobRuns()).filter((r) => r.job === "backup-check")).toEqual([{ job: "backup-check", trigger: "cli", outcome: "failed" }]);
  });

  it("an unknown job is a usage error (exit 2): one sentence naming every job, nothing recorded", async () => {
    const before = (await jobRuns()).length;
    const run = await dbctl(["jobs", "run", "retension"]);
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain(`there is no job named "retension"`);
    for (const name of JOB_NAMES) expect(run.stderr).toContain(name);
    expect((await dbctl(["jobs", "run"])).code).toBe(2);
    expect((await dbctl(["jobs", "run", "retention", "--budget-ms", "5"])).code).toBe(2);
    expect((await jobRuns()).length).toBe(before);
  });

  it("pitr-check without a recovery provider fails with the JOB_UNAVAILABLE sentence and records nothing", async () => {
    const before = (await jobRuns()).length;
    const run = await dbctl(["jobs", "run", "pitr-check"]);
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr.trim()).toMatch(/^Job pitr-check cannot run here: it needs a recovery provider \(NEON_API_KEY and NEON_PROJECT_ID, or the self-hosted WAL archive of npm start\), which this runtime does not have\.$/);
    const json = await dbctl(["jobs", "run", "pitr-check", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "JOB_UNAVAILABLE", details: { job: "pitr-check", missing: ["recovery"] } } });
    expect((await jobRuns()).length).toBe(before);
  });
});

describe("dbctl jobs history", () => {
  it("shows the runs newest first, as text and as one JSON document, by job and limit", async () => {
    const text = await dbctl(["jobs", "history"]);
    expect(text.code, text.stderr).toBe(0);
    const recorded = await jobRuns();
    expect(text.stdout).toContain(`Newest ${recorded.length} job runs in ${maskedUrl}:`);
    expect(text.stdout).toMatch(/^\s+STARTED\s+JOB\s+TRIGGER\s+OUTCOME\s+TOOK\s+RESULT$/m);
    expect(text.stdout).toMatch(/^\s+\S+Z\s+retention\s+cli\s+succeeded\s+\d+ ms\s+ErrorLog=1 PerformanceMetric=1 Session=2$/m);
    expect(text.stdout).toMatch(/^\s+\S+Z\s+backup-check\s+cli\s+failed\s+/m);

    const json = await dbctl(["jobs", "history", "--json"]);
    const body = JSON.parse(json.stdout) as { runs: { job: string; trigger: string; outcome: string; startedAt: string }[] };
    expect(body.runs.map((r) => [r.job, r.trigger, r.outcome])).toEqual(recorded.map((r) => [r.job, r.trigger, r.outcome]).reverse());

    const one = JSON.parse((await dbctl(["jobs", "history", "--job", "retention", "--limit", "1", "--json"])).stdout) as { runs: { job: string }[] };
    expect(one.runs).toHaveLength(1);
    expect(one.runs[0]?.job).toBe("retention");
    const none = await dbctl(["jobs", "history", "--job", "recovery-drill"]);
    expect(none.stdout).toBe(`No recovery-drill job runs recorded in ${maskedUrl} yet.\n`);
  });

  it("refuses an unknown --job and a bad --limit (exit 2)", async () => {
    for (const args of [["--job", "nope"], ["--limit", "0"], ["--limit", "many"]]) {
      const run = await dbctl(["jobs", "history", ...args]);
      expect(run.code).toBe(2);
      expectOneSentence(run.stderr);
    }
  });
});

describe("dbctl jobs list", () => {
  it("lists every job of the registry with its schedule here, its last run and whether dbctl can run it", async () => {
    const run = await dbctl(["jobs", "list"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Jobs in test for ${maskedUrl} (schedules in UTC):`);
    for (const name of JOB_NAMES) expect(run.stdout).toMatch(new RegExp(`^\\s+${name}\\s`, "m"));
    expect(run.stdout).toMatch(/^\s+retention\s+15 \* \* \* \*\s+succeeded \S+Z\s+yes$/m);
    expect(run.stdout).toMatch(/^\s+backup\s+not scheduled\s+never run\s+yes$/m);
    expect(run.stdout).toMatch(/^\s+pitr-check\s+30 \* \* \* \*\s+never run\s+no: needs a recovery provider/m);

    const json = JSON.parse((await dbctl(["jobs", "list", "--json"], { JOB_SCHEDULES: "retention=off;backup=0 1 * * *" })).stdout) as {
      environment: string;
      jobs: { name: string; schedule: string | null; runnable: boolean; needs: string | null; lastRun: { outcome: string } | null }[];
    };
    expect(json.environment).toBe("test");
    expect(json.jobs.map((j) => j.name)).toEqual(JOB_NAMES);
    const byName = Object.fromEntries(json.jobs.map((j) => [j.name, j]));
    expect(byName.retention).toMatchObject({ schedule: null, runnable: true, needs: null, lastRun: { outcome: "succeeded" } });
    expect(byName.backup).toMatchObject({ schedule: "0 1 * * *", runnable: true, lastRun: null });
    expect(byName["recovery-drill"]).toMatchObject({ runnable: false, needs: expect.stringContaining("a recovery provider") });
  });

  it("a JOB_SCHEDULES the registry cannot read is one sentence, exit 1", async () => {
    const run = await dbctl(["jobs", "list"], { JOB_SCHEDULES: "retension=0 * * * *" });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain(`JOB_SCHEDULES: there is no job named "retension"`);
  });

  it("an unrelated bad setting does not stop it", async () => {
    expect((await dbctl(["jobs", "list"], { PORT: "not-a-port", DB_POOL_MAX: "0" })).code).toBe(0);
  });
});

it("no run of this file printed the password", () => {
  expect(runs.length).toBeGreaterThan(0);
  for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain(password);
});
