import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * `npm start` (src/node.ts) as a child process in a project directory, with only the environment
 * the test gives it. `ready()` waits for "Press Ctrl-C to stop."; `stop()` sends SIGINT (Ctrl-C)
 * and resolves with the exit code once every PostgreSQL it started has stopped with it.
 */
export interface NpmStart {
  pid: number;
  output(): string;
  ready(): Promise<void>;
  stop(): Promise<number | null>;
}

export function npmStart(cwd: string, env: Record<string, string>): NpmStart {
  const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  return {
    pid: child.pid as number,
    output: () => output,
    async ready() {
      // Works in hooks too (expect.poll only runs inside a test); bounded, with the output on failure.
      const deadline = Date.now() + 150_000;
      while (!output.includes("Press Ctrl-C to stop.")) {
        if (exitCode !== undefined) throw new Error(`npm start exited (${exitCode}) before it was ready:\n${output}`);
        if (Date.now() > deadline) throw new Error(`npm start was not ready within 150 s:\n${output}`);
        await sleep(250);
      }
    },
    async stop() {
      if (exitCode === undefined) child.kill("SIGINT");
      return exited;
    },
  };
}
