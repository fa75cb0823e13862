import { spawn } from "node:child_process";
import { maskUrl } from "../../src/env.ts";

/**
 * Runs a program to its end and times it from spawn to exit, as a user at a shell would wait
 * for it: `dbctl backup create` beside a raw `pg_dump -Fc`. A non-zero exit is an error (a
 * failed dump measures nothing), its output masked for URLs (never a password in the log).
 */
export interface TimedRun {
  ms: number;
  stdout: string;
}

export function runTimed(program: string, args: readonly string[], env: Record<string, string>): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(program, args, { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - began;
      if (code === 0) return resolve({ ms, stdout });
      const said = maskUrls(`${stderr}\n${stdout}`.trim()).slice(-800);
      reject(new Error(`${program} ${maskUrls(args.join(" "))} exited ${code}: ${said}`));
    });
  });
}

const maskUrls = (text: string) => text.replace(/postgres(ql)?:\/\/\S+/g, (url) => maskUrl(url));

