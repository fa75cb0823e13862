import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNeonEmulator, type NeonEmulator } from "../src/ops/recovery/neon/index.ts";
import { runProcess } from "../src/ops/process.ts";
import { REPO_ROOT, runDbctl } from "./cli/run-dbctl.ts";
import { startArchivingPrimary, type ArchivingPrimary } from "./jobs/primary.ts";
import { sql } from "./ops/recovery-support.ts";

/**
 * .github/workflows/preview.yml: valid against GitHub's workflow schema (@action-validator/cli,
 * WASM, no download), and its `dbctl preview` commands, as written there, work against the Neon
 * emulator in the order the PR's life runs them (opened: create; nightly: prune; closed: delete).
 */

const WORKFLOW = join(REPO_ROOT, ".github/workflows/preview.yml");
const VALIDATOR = join(REPO_ROOT, "node_modules/@action-validator/cli/cli.mjs");
const API_KEY = "workflow-key-8e2d4c19";
const PROJECT = "still-dew-11223344";
const GIT_BRANCH = "feature/workflow-check";

const validate = (file: string) => runProcess(process.execPath, [VALIDATOR, file], { cwd: REPO_ROOT });

/** Every `npx dbctl preview|migrate …` line of the workflow's run: scripts, split into words as a shell would (simple quoting only). */
function dbctlCommands(text: string): string[][] {
  return [...text.matchAll(/npx dbctl ((?:preview|migrate) [^\n|&;]+)/g)].map((m) => [...(m[1] as string).trim().matchAll(/"([^"]*)"|(\S+)/g)].map((w) => (w[1] ?? w[2]) as string));
}

const expand = (words: string[], vars: Record<string, string>) => words.map((w) => w.replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? `$${name}`));

let primary: ArchivingPrimary;
let emulator: NeonEmulator;
let scratch: string;

beforeAll(async () => {
  primary = await startArchivingPrimary("workflow-neon-");
  emulator = await startNeonEmulator({ provider: primary.provider, apiKey: API_KEY, projectId: PROJECT, operationDelayMs: 20 });
  scratch = mkdtempSync(join(tmpdir(), "workflow-"));
}, 120_000);

afterAll(async () => {
  await emulator?.close().catch(() => {});
  await primary?.remove();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe(".github/workflows/preview.yml", { timeout: 120_000 }, () => {
  it("validates against GitHub's workflow schema, and the validator refuses a broken copy", async () => {
    const ok = await validate(WORKFLOW);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const broken = join(scratch, "broken.yml");
    writeFileSync(broken, readFileSync(WORKFLOW, "utf8").replace("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest"));
    const refused = await validate(broken);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/runs-onn|runs-on/);
  });

  it("runs its dbctl commands against the Neon emulator: rehearse, create (twice), prune, delete", async () => {
    const text = readFileSync(WORKFLOW, "utf8");
    const commands = dbctlCommands(text);
    expect(commands.map((c) => c.slice(0, 2).join(" "))).toEqual(["migrate rehearse", "preview create", "preview delete", "preview prune"]);
    const [rehearse, create, remove, prune] = commands as [string[], string[], string[], string[]];

    // The remote prune asks: a repository that has the PR's branch.
    const remote = join(scratch, "remote.git");
    const work = join(scratch, "work");
    await runProcess("git", ["init", "--quiet", "--bare", "--initial-branch=main", remote]);
    await runProcess("git", ["init", "--quiet", "--initial-branch=main", work]);
    await runProcess("git", ["-C", work, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "--quiet", "--allow-empty", "-m", "x"]);
    await runProcess("git", ["-C", work, "push", "--quiet", remote, `main:${GIT_BRANCH}`, "main"]);

    const env = { NEON_API_KEY: API_KEY, NEON_PROJECT_ID: PROJECT, NEON_API_URL: emulator.url, NEON_DATABASE: "app", NEON_ROLE: "postgres" };
    const vars = { GIT_BRANCH };
    // Production is up to date here: the rehearsal has nothing to apply, makes no branch, exits 0.
    const rehearsed = await runDbctl(rehearse, { ...env, DIRECT_URL: primary.appUrl });
    expect(rehearsed.code, rehearsed.stderr).toBe(0);
    expect(rehearsed.stdout).toMatch(/No pending migrations to rehearse/);
    const outputFile = join(scratch, "github-output");
    for (const round of [1, 2]) {
      writeFileSync(outputFile, "");
      const run = await runDbctl(["preview", ...expand(create, vars).slice(1)], { ...env, GITHUB_OUTPUT: outputFile });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(round === 1 ? /^Created preview/m : /^Reused preview/m);
    }
    const outputs = Object.fromEntries(readFileSync(outputFile, "utf8").trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    // Every output the later steps read is one the command wrote.
    const read = [...new Set([...text.matchAll(/steps\.preview\.outputs\.(\w+)/g)].map((m) => m[1] as string))];
    for (const name of read) expect(outputs[name], name).toBeTruthy();
    expect(outputs.branch_name).toBe(`preview/${GIT_BRANCH}`);
    const migrated = await sql<{ n: string }>(outputs.direct_url as string, "SELECT count(*)::text AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL");
    expect(Number(migrated[0]?.n)).toBeGreaterThan(0);

    const pruneArgs = expand(prune, vars).map((w) => (w === "origin" ? remote : w));
    const pruned = await runDbctl(["preview", ...pruneArgs.slice(1)], env);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/No preview to prune/);

    const deleted = await runDbctl(["preview", ...expand(remove, vars).slice(1)], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await primary.provider.listBranches()).map((b) => b.name)).toEqual(["main"]);
  });
});
