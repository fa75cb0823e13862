import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it, vi } from "vitest";
import { loadEnv } from "../../src/env.ts";
import { jobsForCron } from "../../src/jobs/registry.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { startWorker, WAYS_IN } from "./workerd.ts";

/**
 * Every cron trigger of production's wrangler.toml, fired at the Worker in workerd with
 * production's vars, once per way in: each job the registry schedules at that cron runs and
 * records its schedule JobRun, and retention's work shows in the data.
 */
const production = unstable_readConfig({ config: fileURLToPath(new URL("../../wrangler.toml", import.meta.url)) }, { hideWarnings: true });
const vars = Object.fromEntries(Object.entries(production.vars).map(([key, value]) => [key, String(value)]));
const crons: string[] = production.triggers.crons ?? [];
const expected = crons.flatMap((cron) => jobsForCron(cron, loadEnv(vars)).map((job) => job.name)).sort();

describe.each(WAYS_IN)("production's crons over $name", (way) => {
  it(`each of ${crons.join(", ")} runs its jobs (${expected.join(", ")}) and records them`, async () => {
    expect(expected).toContain("retention");
    const { url } = await createTestDatabase();
    const sql = await openConnection(url);
    await sql.query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('u1', 'cron@example.com', 'x', now())`);
    await sql.query(`INSERT INTO "Session" (id, "userId", "tokenHash", "expiresAt") VALUES ('gone', 'u1', 'a', now() - interval '1 hour'), ('kept', 'u1', 'b', now() + interval '1 hour')`);
    await sql.query(`INSERT INTO "Note" (id, "userId", title, "updatedAt", "deletedAt") VALUES ('purged', 'u1', 'old', now(), now() - interval '31 days'), ('trashed', 'u1', 'new', now(), now())`);

    const { worker, used } = await way.connect(url);
    const { mf } = startWorker({ ...worker, bindings: { ...vars, ...worker.bindings } });
    const scheduled = await mf.getWorker();
    for (const cron of crons) expect((await scheduled.scheduled({ cron, scheduledTime: new Date() })).outcome).toBe("ok");

    type Run = { job: string; trigger: string; outcome: string | null; rows: Record<string, number> | null };
    const runs = async () => (await sql.query<Run>(`SELECT job, "trigger", outcome::text AS outcome, "rows" FROM "JobRun" ORDER BY job`)).rows;
    await vi.waitFor(async () => expect((await runs()).filter((run) => run.outcome)).toHaveLength(expected.length), { timeout: 15_000, interval: 100 });
    expect((await runs()).map((run) => [run.job, run.trigger, run.outcome])).toEqual(expected.map((job) => [job, "schedule", "succeeded"]));
    expect((await runs()).find((run) => run.job === "retention")?.rows).toMatchObject({ Session: 1, Note: 1 });
    expect((await sql.query(`SELECT id FROM "Session" ORDER BY id`)).rows).toEqual([{ id: "kept" }]);
    expect((await sql.query(`SELECT id FROM "Note" ORDER BY id`)).rows).toEqual([{ id: "trashed" }]);
    // Every lease was given back.
    expect((await sql.query(`SELECT 1 FROM "JobLease"`)).rows).toEqual([]);
    expect(used()).toBe(true);
  });
});
