import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprint } from "../../src/ops/migrations/fingerprint.ts";
import { withConnection } from "../../src/ops/sql.ts";
import { bothProviders } from "../jobs/primary.ts";
import { sql } from "../ops/recovery-support.ts";
import { expectOneSentence, REPO_ROOT, runDbctl } from "./run-dbctl.ts";

/**
 * `dbctl migrate rehearse` once per provider: a branch of the target at now, the pending
 * migrations applied there with deploy's rails and traced on the real rows, the branch deleted
 * whatever happens, the target unchanged.
 */

const API_KEY = "rehearse-cli-key-5c1e9a07";
const PROJECT = "quiet-lake-24681357";
const ROWS = 20_000;

const both = bothProviders("rehearse", { apiKey: API_KEY, projectId: PROJECT, directUrl: true });
const root = mkdtempSync(join(tmpdir(), "rehearse-projects-"));

beforeAll(async () => {
  await both.start();
  // Production's data: rows a rewrite has to copy.
  for (const primary of [both.selfHosted, both.neonBackend]) {
    await sql(
      primary.appUrl,
      `INSERT INTO "PerformanceMetric" (id, route, method, status, "durationMs", timestamp)
       SELECT 'm' || g, '/api/v1/notes', 'GET', 200, 5, now() FROM generate_series(1, ${ROWS}) g`,
    );
    await primary.provider.archiveCurrentWal();
  }
}, 240_000);

afterAll(async () => {
  await both.remove();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

/** The project's migrations and one more, in a folder of its own. */
function projectWith(name: string, sqlText: string): string {
  const dir = join(root, name);
  cpSync(join(REPO_ROOT, "prisma/migrations"), dir, { recursive: true });
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, "migration.sql"), sqlText);
  return dir;
}

const WIDEN = projectWith("20270101000000_widen_metric_status", `ALTER TABLE "PerformanceMetric" ALTER COLUMN "status" TYPE BIGINT;\n`);
const INDEX = projectWith("20270101000000_index_metric_route_concurrently", `CREATE INDEX CONCURRENTLY "PerformanceMetric_route_idx" ON "PerformanceMetric"("route");\n`);

const BROKEN = projectWith("20270101000000_add_metric_status_again", `ALTER TABLE "PerformanceMetric" ADD COLUMN "status" TEXT;\n`);

describe.each(both.providers)("dbctl migrate rehearse on $kind", { timeout: 180_000 }, ({ env, backend }) => {
  const targetState = () =>
    withConnection(backend().appUrl, async (db) => ({
      schema: await fingerprint(db),
      history: (await db.query(`SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name`)).rows,
    }));
  const branches = async () => (await backend().provider.listBranches()).map((b) => b.name).sort();

  it("a rewrite of the real rows over the budget fails the rehearsal, naming the statement and the lock; the branch is deleted", async () => {
    const before = await targetState();
    const run = await runDbctl(["migrate", "rehearse", "--json", "--budget-ms", "1", "--allow-unsafe", "measuring the rewrite on production data", "--migrations-dir", WIDEN], env());
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: false, deleted: true, budgetMs: 1, branch: expect.stringMatching(/^rehearse-\d{14}-[0-9a-f]{4}$/) });
    const [statement] = result.migrations[0].statements;
    expect(statement.rewrites).toEqual([`"PerformanceMetric"`]);
    // The table first, then its indexes, rebuilt under the same lock.
    expect(result.overBudget[0]).toMatchObject({ migration: "20270101000000_widen_metric_status", statement: 1, relation: `"PerformanceMetric"`, mode: "AccessExclusiveLock", blocks: ["reads", "writes"] });
    expect(result.overBudget.map((o: { relation: string }) => o.relation)).toContain(`"PerformanceMetric_pkey"`);
    expect(result.overBudget[0].heldMs).toBeGreaterThan(1);
    expect(await branches()).toEqual(["main"]);
    expect(await targetState()).toEqual(before);
  });

  it("prints the trace and says which lock is over budget, in one sentence", async () => {
    const run = await runDbctl(["migrate", "rehearse", "--budget-ms", "1", "--allow-unsafe", "measuring the rewrite on production data", "--migrations-dir", WIDEN], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/"PerformanceMetric" AccessExclusiveLock \(blocks reads and writes\), held [\d.]+ ms {2}OVER BUDGET/);
    expect(run.stdout).toMatch(/rewrote "PerformanceMetric"/);
    const verdict = run.stderr.trim().split("\n").at(-1) ?? "";
    expect(verdict).toMatch(/^Over budget: statement 1 of `20270101000000_widen_metric_status` holds AccessExclusiveLock on "PerformanceMetric", blocking reads and writes/);
    expect(await branches()).toEqual(["main"]);
  });

  it("CREATE INDEX CONCURRENTLY blocks neither reads nor writes: within budget, exit 0, branch deleted, target unchanged", async () => {
    const before = await targetState();
    const run = await runDbctl(["migrate", "rehearse", "--json", "--migrations-dir", INDEX], env());
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, deleted: true, overBudget: [], budgetMs: 2000 });
    expect(result.migrations[0]).toMatchObject({ transactional: false });
    expect(result.migrations[0].statements[0].locks).toEqual([expect.objectContaining({ relation: `"PerformanceMetric"`, mode: "ShareUpdateExclusiveLock", blocks: [] })]);
    expect(await branches()).toEqual(["main"]);
    expect(await targetState()).toEqual(before);
  });

  it("the lint gate refuses before any branch exists; a failing migration still deletes its branch", async () => {
    const refused = await runDbctl(["migrate", "rehearse", "--migrations-dir", WIDEN], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n").at(-1)).toMatch(/^Refusing to rehearse: 1 lint error in pending migrations \(first: alter-column-type/);
    expectOneSentence(refused.stderr.trim().split("\n").at(-1) ?? "");

    const failed = await runDbctl(["migrate", "rehearse", "--json", "--migrations-dir", BROKEN], env());
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, deleted: true, failure: { migration: "20270101000000_add_metric_status_again", statement: 1, message: expect.stringMatching(/already exists/) } });
    expect(await branches()).toEqual(["main"]);
  });

  it("with nothing pending, makes no branch and exits 0", async () => {
    const run = await runDbctl(["migrate", "rehearse", "--json"], env());
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, migrations: [], overBudget: [] });
    expect(JSON.parse(run.stdout).branch).toBeUndefined();
  });
});
