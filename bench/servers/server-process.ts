import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../src/ops/embedded/postgres.ts";

/**
 * A server under load runs in a process of its own, so the load generator (autocannon, in the
 * bench's process) never takes its CPU on the same event loop: ours (the real `src/node.ts`) and
 * the floor (raw-server.ts) alike. `stop()` sends SIGINT, as Ctrl-C would, and waits for the exit.
 */
export interface ServerProcess {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

const READY = "Press Ctrl-C to stop.";

async function startServerProcess(entry: string, env: Record<string, string>, extraArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...extraArgs, "--import", "tsx", entry], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  let exited: number | null | undefined;
  const closed = new Promise<void>((resolve) =>
    child.on("close", (code) => {
      exited = code;
      resolve();
    }),
  );
  const deadline = Date.now() + 60_000;
  while (!output.includes(READY)) {
    if (exited !== undefined) throw new Error(`${entry} exited (${exited}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} was not ready within 60 s:\n${output}`);
    }
    await sleep(100);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    output: () => output,
    async stop() {
      if (exited === undefined) child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

/**
 * The API as `npm start` serves it against an existing database (production settings, jobs off so
 * no cron fires mid-measurement). `env` adds or overrides settings; `nodeArgs` e.g. `--cpu-prof`.
 */
export function startNodeServer(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
  return startServerProcess("src/node.ts", { DATABASE_URL: databaseUrl, DIRECT_URL: databaseUrl, APP_ENV: "production", NODE_ENV: "production", JOBS_ENABLED: "false", ...env }, nodeArgs);
}

/** The floor: bench/servers/raw-server.ts over a `pg` pool of the same size. */
export function startRawServer(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
  return startServerProcess("bench/servers/raw-server.ts", { DATABASE_URL: databaseUrl, NODE_ENV: "production", ...env }, nodeArgs);
}
