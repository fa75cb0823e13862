import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as connectSocket } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "../../src/ops/embedded/postgres.ts";

/**
 * A real PgBouncer (Debian's `pgbouncer` package) in transaction mode in front of the test
 * server: what Neon's pooled URL and Supabase's port 6543 are. As root it runs as `postgres`,
 * since PgBouncer refuses to run as root.
 */
export interface PgBouncer {
  port: number;
  /** A pooled connection string to `database`, marked `pgbouncer=true` as Prisma's docs ask. */
  url(database: string): string;
  stop(): Promise<void>;
}

function findPgBouncer(): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  const found = dirs.map((dir) => join(dir, "pgbouncer")).find((path) => existsSync(path));
  if (!found) throw new Error("pgbouncer is not installed: `apt-get install pgbouncer` (Debian's package; .ci/run installs it).");
  return found;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectSocket(port, "127.0.0.1");
    socket.once("connect", () => socket.end(() => resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

export async function startPgBouncer(target: { port: number; user: string; password: string }): Promise<PgBouncer> {
  const binary = findPgBouncer();
  const dir = mkdtempSync(join(tmpdir(), "pgbouncer-"));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const ini = join(dir, "pgbouncer.ini");
  writeFileSync(join(dir, "userlist.txt"), `"${target.user}" "${target.password}"\n`);
  writeFileSync(
    ini,
    [
      "[databases]",
      `* = host=127.0.0.1 port=${target.port}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      `unix_socket_dir =`,
      "auth_type = plain",
      `auth_file = ${join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      "default_pool_size = 5",
      "max_client_conn = 200",
      "ignore_startup_parameters = extra_float_digits",
      "",
    ].join("\n"),
  );
  for (const file of ["pgbouncer.ini", "userlist.txt"]) chmodSync(join(dir, file), 0o644);
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  // It logs to stderr: kept for the error message should it not start.
  const child: ChildProcess = spawn(binary, [...(asRoot ? ["-u", "postgres"] : []), ini], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000)));
  let exited = false;
  child.once("exit", () => (exited = true));
  for (let attempt = 0; !(await accepting(port)); attempt++) {
    if (exited || attempt > 100) {
      child.kill("SIGKILL");
      throw new Error(`pgbouncer did not start: ${log.trim() || "no output"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url: (database) => `postgresql://${target.user}:${target.password}@127.0.0.1:${port}/${database}?pgbouncer=true`,
    stop: async () => {
      if (!exited) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
