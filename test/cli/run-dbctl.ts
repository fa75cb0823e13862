import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { main } from "../../src/cli/main.ts";
import { runProcess } from "../../src/ops/process.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface DbctlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs dbctl with only the environment the test gives it: the developer's own DATABASE_URL /
 * DIRECT_URL never leak in. By default it calls the same main() bin/dbctl.mjs calls, in this
 * process (a node start per call made the suite minutes slower); `{ spawn: true }` runs the real
 * bin as a user would, for what only a process shows (the launcher, exit codes, PATH lookups).
 */
export function runDbctl(args: string[], env: Record<string, string> = {}, options: { spawn?: boolean } = {}): Promise<DbctlRun> {
  return options.spawn ? spawnDbctl(args, env) : inProcess(args, env);
}

async function inProcess(args: string[], env: Record<string, string>): Promise<DbctlRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    cwd: REPO_ROOT,
    stdout: (text) => (stdout += `${text}\n`),
    stderr: (text) => (stderr += `${text}\n`),
  });
  return { code, stdout, stderr };
}

function spawnDbctl(args: string[], env: Record<string, string>): Promise<DbctlRun> {
  return runProcess(process.execPath, ["bin/dbctl.mjs", ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } });
}

/** The house rule for CLI errors: one sentence on stderr, never a stack trace. */
export function expectOneSentence(stderr: string) {
  const text = stderr.trim();
  expect(text).not.toBe("");
  expect(text).not.toContain("\n");
  expect(text).toMatch(/[.!?]$/);
  expect(text).not.toMatch(/^\s+at /m);
}
