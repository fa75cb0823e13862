import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, type Db } from "../../src/db/client.ts";
import { sqlClientOf } from "../../src/db/sql-client.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { listRuns } from "../../src/jobs/history.ts";
import { retentionJob } from "../../src/jobs/retention.ts";
import { runJob } from "../../src/jobs/runner.ts";
import type { JobDefinition, JobDeps } from "../../src/jobs/types.ts";
import type { SqlClient } from "../../src/ops/sql.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { startPgBouncer, type PgBouncer } from "../support/pgbouncer.ts";
import { at, DAY, fixedClock, insertMetric, jobConfig } from "./fixtures.ts";

/**
 * One run of a job at a time, whoever starts it and through whatever path: a second run while
 * the first works records `skipped` and deletes nothing, directly and through a real PgBouncer in
 * transaction mode (where each statement may land on another server connection, so only a lease
 * row taken and freed by single statements can hold). The first run is held at a gate inside
 * its work, so "while it runs" is a fact of the test, not a race.
 */

/** Retention, held at a gate before it starts deleting: the real job, paused where the test says. */
function gated(): { job: JobDefinition; entered: Promise<void>; open: () => void } {
  let open!: () => void;
  let signal!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (signal = resolve));
  return {
    job: { ...retentionJob, run: async (ctx) => (signal(), await gate, retentionJob.run(ctx)) },
    entered,
    open,
  };
}

async function seedExpired(sql: SqlClient, n: number) {
  for (let i = 0; i < n; i++) await insertMetric(sql, `fx-gone-${i}`, at(-40 * DAY));
}

const metricCount = async (sql: SqlClient) => Number((await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "PerformanceMetric"`)).rows[0]?.n);

async function concurrentRuns(first: JobDeps, second: JobDeps) {
  const { job, entered, open } = gated();
  const running = runJob(job, first, { trigger: "schedule" });
  await entered;
  const skipped = await runJob(retentionJob, second, { trigger: "http" });
  open();
  return { skipped, finished: await running };
}

describe("one run at a time", () => {
  it("a second run while one works records skipped and does nothing; the first does the work once", async () => {
    const { url } = await createTestDatabase();
    const direct = await openConnection(url);
    await seedExpired(direct, 7);
    const deps: JobDeps = { sql: direct, config: jobConfig(), clock: fixedClock() };
    // Two runners, two connections: as two Worker invocations or two processes would be.
    const { skipped, finished } = await concurrentRuns(deps, { ...deps, sql: await openConnection(url) });
    expect(skipped.outcome).toBe("skipped");
    expect(skipped.rows).toBeNull();
    expect(skipped.detail).toMatchObject({ reason: "busy", heldBy: finished.id });
    expect(finished.outcome).toBe("succeeded");
    expect(finished.rows?.PerformanceMetric).toBe(7);
    expect(await metricCount(direct)).toBe(0);
    expect((await listRuns(direct, { job: "retention" })).map((r) => r.outcome).sort()).toEqual(["skipped", "succeeded"]);
    // The lease is gone with the run: the next one runs.
    expect((await runJob(retentionJob, deps, { trigger: "cli" })).outcome).toBe("succeeded");
  });

  it("a lease left by a run that died expires, and the next run takes it over", async () => {
    const db = await openConnection((await createTestDatabase()).url);
    await seedExpired(db, 2);
    await db.query(`INSERT INTO "JobLease" (job, "runId", "acquiredAt", "expiresAt") VALUES ('retention', 'dead-run', now(), (now() AT TIME ZONE 'UTC') + interval '1 hour')`);
    const blocked = await runJob(retentionJob, { sql: db, config: jobConfig(), clock: fixedClock() }, { trigger: "cli" });
    expect(blocked).toMatchObject({ outcome: "skipped", detail: { heldBy: "dead-run" } });
    expect(await metricCount(db)).toBe(2);

    await db.query(`UPDATE "JobLease" SET "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE job = 'retention'`);
    const took = await runJob(retentionJob, { sql: db, config: jobConfig(), clock: fixedClock() }, { trigger: "cli" });
    expect(took.outcome).toBe("succeeded");
    expect(await metricCount(db)).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM "JobLease"`)).rows).toEqual([{ n: 0 }]);
  });

  describe("through PgBouncer in transaction mode", () => {
    let bouncer: PgBouncer;
    const clients: Db[] = [];
    beforeAll(async () => {
      const server = new URL(inject("pg").adminUrl);
      bouncer = await startPgBouncer({ port: Number(server.port), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
    }, 60_000);
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.$disconnect()));
      await bouncer?.stop();
    });

    /** The app's own client on the pooled URL, as a Worker has it, seen as the jobs' SQL client. */
    const pooled = (database: string): SqlClient => {
      const db = createDb(PrismaClient, { url: bouncer.url(database), connectTimeoutMs: 5_000 });
      clients.push(db);
      return sqlClientOf(db);
    };

    it("two runners on the pooled URL: one works, the other records skipped; the work is done once", async () => {
      const { url, name } = await createTestDatabase();
      const direct = await openConnection(url);
      await seedExpired(direct, 9);
      const config = jobConfig({ DATABASE_URL: bouncer.url(name) });
      const a: JobDeps = { sql: pooled(name), config, clock: fixedClock() };
      const b: JobDeps = { sql: pooled(name), config, clock: fixedClock() };
      // Why a lease row: a session advisory lock taken through the pooler stays with the server
      // connection, which the pooler hands to the next client's statement, so both "hold" it.
      const lockA = await a.sql.query<{ got: boolean }>("SELECT pg_try_advisory_lock(9001) AS got");
      const lockB = await b.sql.query<{ got: boolean }>("SELECT pg_try_advisory_lock(9001) AS got");
      expect([lockA.rows[0]?.got, lockB.rows[0]?.got]).toEqual([true, true]);
      await a.sql.query("SELECT pg_advisory_unlock_all()::text AS done");

      const { skipped, finished } = await concurrentRuns(a, b);
      expect(skipped.outcome).toBe("skipped");
      expect(skipped.detail).toMatchObject({ reason: "busy", heldBy: finished.id });
      expect(finished.outcome).toBe("succeeded");
      expect(finished.rows?.PerformanceMetric).toBe(9);
      expect(await metricCount(direct)).toBe(0);
      expect((await listRuns(direct, { job: "retention" })).map((r) => `${r.trigger}:${r.outcome}`).sort()).toEqual(["http:skipped", "schedule:succeeded"]);
      expect((await direct.query(`SELECT count(*)::int AS n FROM "JobLease"`)).rows).toEqual([{ n: 0 }]);
    });
  });
});
