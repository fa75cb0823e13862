import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NeonRecoveryProvider } from "../../src/ops/recovery/neon/index.ts";
import { runProcess } from "../../src/ops/process.ts";
import { REPO_ROOT } from "../cli/run-dbctl.ts";
import { stopPostgresUnder } from "./recovery-neon/processes.ts";
import { sql } from "./recovery-support.ts";

/**
 * `npm run neon:emulator`, as a developer runs it: bad flags are one sentence and exit 2; with
 * --init on an empty folder it creates a primary, serves Neon's API and prints the NEON_* lines
 * for .env; Ctrl-C stops it with exit 0; started again it serves the same branch ids.
 */

const API_KEY = "neon-cli-key-9b3f6e1a";
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) {
    stopPostgresUnder(root);
    rmSync(root, { recursive: true, force: true });
  }
});

function newRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "neon-cli-test-"));
  chmodSync(root, 0o755); // the servers run as the postgres user, which must enter it
  roots.push(root);
  return root;
}

const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
const npmRun = (args: string[], env: Record<string, string> = {}) =>
  runProcess("npm", ["run", "--silent", "neon:emulator", "--", ...args], { cwd: REPO_ROOT, env: { ...baseEnv, ...env } });

/** The emulator as a long-running process: resolves with its NEON_* lines once it serves. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/ops/recovery/neon/emulator/cli.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...baseEnv, NEON_API_KEY: API_KEY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const ready = (async () => {
    await expect.poll(() => stdout, { timeout: 100_000, interval: 100 }).toContain("NEON_ROLE=");
    return Object.fromEntries(stdout.trim().split("\n").map((line) => line.split("=", 2) as [string, string]));
  })();
  return { ready, exited, stop: () => child.kill("SIGINT"), output: () => stdout + stderr };
}

describe("npm run neon:emulator", { timeout: 150_000 }, () => {
  it("refuses bad flags with one sentence and exit 2, before touching anything", async () => {
    const root = newRoot();
    for (const [args, mentions] of [
      [["--port", "abc"], "--port"],
      [["--port", "70000"], "--port"],
      [["--history-retention-seconds", "-5"], "--history-retention-seconds"],
      [["--project-id", "Not_Valid"], "--project-id"],
      [["--state-dir", root, "--bogus"], "--bogus"],
      [["extra-argument"], "extra-argument"],
    ] as const) {
      const run = await npmRun([...args], { NEON_API_KEY: API_KEY });
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr.trim()).toMatch(/^[^\n]+\.$/);
      expect(run.stderr).toContain(mentions);
      expect(run.stderr).toContain("npm run neon:emulator --");
      expect(run.stdout).not.toContain("NEON_API_URL");
    }
    expect(existsSync(join(root, "branches"))).toBe(false);
  });

  it("says what is missing in one sentence (exit 1): a usable API key, or a primary without --init", async () => {
    const root = newRoot();
    const noKey = await npmRun(["--state-dir", root]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr.trim()).toMatch(/^[^\n]*NEON_API_KEY[^\n]*\.$/);

    const unusable = await npmRun(["--state-dir", root, "--init"], { NEON_API_KEY: "my local key" });
    expect(unusable.code).toBe(1);
    expect(unusable.stderr.trim()).toMatch(/^[^\n]*NEON_API_KEY[^\n]*Bearer token\.$/);
    expect(existsSync(join(root, "branches"))).toBe(false);

    const empty = await npmRun(["--state-dir", root, "--port", "0"], { NEON_API_KEY: API_KEY });
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toMatch(/^[^\n]*has no branches[^\n]*--init[^\n]*\.$/);
    expect(empty.stdout).not.toContain("NEON_API_URL");
  });

  it("with --init serves Neon's API on a new primary, prints the .env lines, stops on Ctrl-C and keeps its ids", async () => {
    const root = newRoot();
    const first = startCli(["--init", "--state-dir", root, "--port", "0", "--project-id", "dev-project"]);
    let mainId: string;
    try {
      const lines = await first.ready;
      expect(lines.NEON_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
      expect(lines).toMatchObject({ NEON_PROJECT_ID: "dev-project", NEON_DATABASE: "postgres", NEON_ROLE: "postgres" });
      expect(first.output()).not.toContain(API_KEY);

      // What a developer pastes into .env is enough for the Neon provider (dbctl's).
      const neon = NeonRecoveryProvider.fromEnv({ NEON_API_KEY: API_KEY, ...lines }, { pollIntervalMs: 50 });
      const [main] = await neon.listBranches();
      expect(main).toMatchObject({ name: "main", primary: true, state: "ready" });
      mainId = main?.id as string;
      expect(mainId).toMatch(/^br-/);
      expect((await sql<{ one: number }>(await neon.connectionString("main"), "SELECT 1 AS one"))[0]?.one).toBe(1);
    } finally {
      first.stop();
    }
    expect(await first.exited).toBe(0);
    expect(JSON.parse(readFileSync(join(root, "neon-emulator.json"), "utf8")).branches.map((b: { id: string }) => b.id)).toEqual([mainId]);

    // Started again on the same folder (no --init needed now), it serves the same branch by the same id.
    const second = startCli(["--state-dir", root, "--port", "0", "--project-id", "dev-project"]);
    try {
      const lines = await second.ready;
      const neon = NeonRecoveryProvider.fromEnv({ NEON_API_KEY: API_KEY, ...lines });
      expect((await neon.listBranches()).map((b) => ({ id: b.id, name: b.name }))).toEqual([{ id: mainId, name: "main" }]);
    } finally {
      second.stop();
    }
    expect(await second.exited).toBe(0);
  });
});
