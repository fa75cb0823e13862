import { describe, expect, it } from "vitest";
import { listRuns } from "../../src/jobs/history.ts";
import { retentionJob } from "../../src/jobs/retention.ts";
import { runJob } from "../../src/jobs/runner.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { jobConfig } from "./fixtures.ts";

/**
 * A job's own failure is a failed run, never an exception for the cron handler to drop, and
 * what it says is stored and sent with no secret in it.
 */
describe("the runner", () => {
  it("records a job that throws as failed, its lease freed, the database URL masked and keys removed", async () => {
    const { url } = await createTestDatabase();
    const db = await openConnection(url);
    const secretUrl = "postgresql://app:hunter2-very-secret@db.example.com:5432/app";
    const config = jobConfig({ DIRECT_URL: secretUrl, NEON_API_KEY: "napi_key_0123456789abcdef", NEON_PROJECT_ID: "p-1" });
    const broken = { ...retentionJob, run: async () => Promise.reject(new Error(`could not reach ${secretUrl} with key napi_key_0123456789abcdef (password hunter2-very-secret)`)) };

    const run = await runJob(broken, { sql: db, config }, { trigger: "cli" });
    expect(run.outcome).toBe("failed");
    expect(run.error).toBe("could not reach postgresql://app:****@db.example.com:5432/app with key **** (password ****)");
    expect(JSON.stringify(await listRuns(db))).not.toMatch(/hunter2|napi_key/);
    expect((await db.query(`SELECT message FROM "ErrorLog" WHERE route = 'job:retention'`)).rows).toEqual([{ message: `Job retention failed: ${run.error}` }]);
    expect((await db.query(`SELECT count(*)::int AS n FROM "JobLease"`)).rows).toEqual([{ n: 0 }]);
    expect((await runJob(retentionJob, { sql: db, config }, { trigger: "cli" })).outcome).toBe("succeeded");
  });
});
