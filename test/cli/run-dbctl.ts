import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface DbctlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real bin as a user would (`node bin/dbctl.mjs ...`), with only the environment the
 * test gives it: the developer's own DATABASE_URL / DIRECT_URL never leak in.
 */
export function runDbctl(args: string[], env: Record<string, string> = {}): Promise<DbctlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/dbctl.mjs", ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
