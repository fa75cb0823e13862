import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { runProcess } from "../../src/ops/process.ts";
import { bothProviders } from "../jobs/primary.ts";
import { sql } from "../ops/recovery-support.ts";
import { expectOneSentence, runDbctl } from "./run-dbctl.ts";

/**
 * `dbctl preview` end to end, once per provider: self-hosted (the archiving primary's registry)
 * and Neon (NEON_* pointing at the emulator, backed by its own primary).
 */

const migrationCount = readMigrations("prisma/migrations").length;
const API_KEY = "preview-cli-key-3b7f0d52";
const PROJECT = "calm-river-97531086";

const both = bothProviders("preview-cli", { apiKey: API_KEY, projectId: PROJECT });
const { providers } = both;
let scratch: string;

beforeAll(async () => {
  await both.start();
  scratch = mkdtempSync(join(tmpdir(), "preview-cli-out-"));
}, 180_000);

afterAll(async () => {
  await both.remove();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const outputsOf = (file: string) => Object.fromEntries(readFileSync(file, "utf8").trim().split("\n").map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));

describe.each(providers)("dbctl preview on $kind", { timeout: 180_000 }, ({ kind, env, backend }) => {
  it("creates a migrated preview, masks its URLs, writes the real ones to $GITHUB_OUTPUT, and reuses it", async () => {
    const outputFile = join(scratch, `${kind}-output`);
    writeFileSync(outputFile, "");
    const run = await runDbctl(["preview", "create", "--git-branch", "feature/Search box", "--expires", "3d"], { ...env(), GITHUB_OUTPUT: outputFile });
    expect(run.code, run.stderr).toBe(0);

    const outputs = outputsOf(outputFile);
    expect(outputs.branch_name).toMatch(/^preview\/feature\/Search-box-[0-9a-f]{8}$/);
    expect(outputs.database_url).toMatch(/^postgres(ql)?:\/\/[^:]+:[^*@]+@/);
    expect(outputs.direct_url).toMatch(/^postgres(ql)?:\/\/[^:]+:[^*@]+@/);
    const password = decodeURIComponent(new URL(outputs.direct_url as string).password);

    // The masks come first; the URL lines carry no password.
    const lines = run.stdout.trim().split("\n");
    const firstUrlLine = lines.findIndex((line) => line.startsWith("DATABASE_URL="));
    const masks = lines.filter((line) => line.startsWith("::add-mask::"));
    expect(masks).toEqual(expect.arrayContaining([`::add-mask::${outputs.database_url}`, `::add-mask::${outputs.direct_url}`, `::add-mask::${password}`]));
    expect(lines.findLastIndex((line) => line.startsWith("::add-mask::"))).toBeLessThan(firstUrlLine);
    const urlLines = lines.filter((line) => /^(DATABASE_URL|DIRECT_URL)=/.test(line));
    expect(urlLines).toHaveLength(2);
    for (const line of urlLines) {
      expect(line).toContain(":****@");
      expect(line).not.toContain(`:${password}@`);
    }
    expect(run.stderr).not.toContain(`:${password}@`);

    // Migrated over its direct URL: every migration finished on the branch.
    const rows = await sql<{ n: string }>(outputs.direct_url as string, "SELECT count(*)::text AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL");
    expect(Number(rows[0]?.n)).toBe(migrationCount);

    writeFileSync(outputFile, "");
    const again = await runDbctl(["preview", "create", "--git-branch", "feature/Search box"], { ...env(), GITHUB_OUTPUT: outputFile });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Reused preview/m);
    expect(outputsOf(outputFile).branch_id).toBe(outputs.branch_id);

    const list = await runDbctl(["preview", "list", "--json"], env());
    expect(list.code, list.stderr).toBe(0);
    const { previews } = JSON.parse(list.stdout) as { previews: Array<{ id: string; name: string; gitBranch: string; createdAt: string; expiresAt: string; state: string }> };
    expect(previews).toHaveLength(1);
    expect(previews[0]).toMatchObject({ id: outputs.branch_id, name: outputs.branch_name, state: "ready" });
    // --expires 3d from the first create; the second create kept it.
    const days = (Date.parse(previews[0]?.expiresAt ?? "") - Date.parse(previews[0]?.createdAt ?? "")) / 86_400_000;
    expect(Math.round(days)).toBe(3);
  });

  it("refuses to delete main or a branch not named preview/…, changing nothing", async () => {
    const before = (await backend().provider.listBranches()).map((b) => b.name).sort();
    for (const name of ["main", "feature-x", "preview", "preview/../main"]) {
      const run = await runDbctl(["preview", "delete", "--name", name], env());
      expect(run.code, name).toBe(1);
      expect(run.stderr).toMatch(/is not a preview branch/);
      expectOneSentence(run.stderr);
    }
    const unknown = await runDbctl(["preview", "delete", "--git-branch", "never-made"], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no preview branch "preview\/never-made"/);
    const missingOk = await runDbctl(["preview", "delete", "--git-branch", "never-made", "--missing-ok"], env());
    expect(missingOk.code, missingOk.stderr).toBe(0);
    expect(missingOk.stdout).toMatch(/nothing to delete/);
    // --missing-ok is about a missing preview only: main is still refused.
    expect((await runDbctl(["preview", "delete", "--name", "main", "--missing-ok"], env())).code).toBe(1);
    expect((await backend().provider.listBranches()).map((b) => b.name).sort()).toEqual(before);
  });

  it("deletes a preview by its git branch, and prunes one that expired", async () => {
    const gone = await runDbctl(["preview", "delete", "--git-branch", "feature/Search box"], env());
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toMatch(/^Deleted preview "preview\/feature\/Search-box-/);

    const created = await runDbctl(["preview", "create", "--git-branch", "old-one", "--json"], env());
    expect(created.code, created.stderr).toBe(0);
    const expire = new Date(Date.now() - 1_000);
    if (kind === "self-hosted") {
      // The self-hosted provider only keeps the date; its registry is where a test can move it.
      both.selfHosted.provider.store.update((state) => {
        const record = state.branches.find((b) => b.name === "preview/old-one");
        if (record) record.expiresAt = expire;
      });
      const pruned = await runDbctl(["preview", "prune", "--json"], env());
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(JSON.parse(pruned.stdout)).toMatchObject({ expired: ["preview/old-one"], gitBranchGone: [] });
    } else {
      // Neon refuses an expires_at in the past (preview-neon.test.ts); prune's other reason: the
      // git remote (a local repository here) has no branch old-one.
      const remote = join(scratch, "remote.git");
      await runProcess("git", ["init", "--quiet", "--bare", "--initial-branch=main", remote]);
      const work = join(scratch, "work");
      await runProcess("git", ["init", "--quiet", "--initial-branch=main", work]);
      await runProcess("git", ["-C", work, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "--quiet", "--allow-empty", "-m", "x"]);
      await runProcess("git", ["-C", work, "push", "--quiet", remote, "main"]);
      const pruned = await runDbctl(["preview", "prune", "--git-remote", remote, "--json"], env());
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(JSON.parse(pruned.stdout)).toMatchObject({ expired: [], gitBranchGone: ["preview/old-one"] });
    }
    const list = await runDbctl(["preview", "list", "--json"], env());
    expect(JSON.parse(list.stdout)).toEqual({ previews: [] });
    expect((await backend().provider.listBranches()).map((b) => b.name)).toEqual(["main"]);
  });
});

describe("dbctl preview create --seed staging", { timeout: 180_000 }, () => {
  it("loads the staging seed after migrating, and the seed's users can be read", async () => {
    const env = { DIRECT_URL: both.selfHosted.appUrl, RECOVERY_DIR: both.selfHosted.root, PBKDF2_ITERATIONS: "10000" };
    const run = await runDbctl(["preview", "create", "--git-branch", "seeded", "--seed", "staging", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const url = await both.selfHosted.provider.connectionString("preview/seeded");
    const users = await sql<{ role: string }>(url, 'SELECT role::text FROM "User" ORDER BY role');
    expect(users.map((u) => u.role)).toEqual(expect.arrayContaining(["ADMIN", "USER"]));
    // The seed went to the preview only.
    expect(await sql(both.selfHosted.appUrl, 'SELECT 1 FROM "User"')).toEqual([]);
    const deleted = await runDbctl(["preview", "delete", "--git-branch", "seeded"], env);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});
