import { spawn } from "node:child_process";

/**
 * Runs PostgreSQL's client tools (pg_dump, pg_restore, psql) from the machine. The password
 * travels in PGPASSWORD, never on the command line where `ps` would show it.
 */
export class PgToolError extends Error {
  override name = "PgToolError";
}

export interface ToolRun {
  stdout: string;
  stderr: string;
}

/** The URL without its password, and the password apart, for a tool's argv and env. */
export function splitPassword(url: string): { url: string; password?: string } {
  const parsed = new URL(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.password = "";
  // Prisma's parameters mean nothing to libpq, and libpq rejects unknown ones.
  for (const key of ["schema", "pgbouncer", "connection_limit", "pool_timeout"]) parsed.searchParams.delete(key);
  return password === undefined ? { url: parsed.toString() } : { url: parsed.toString(), password };
}

export function runTool(tool: string, args: string[], options: { password?: string; env?: Record<string, string> } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      env: { ...process.env, ...options.env, ...(options.password !== undefined && { PGPASSWORD: options.password }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new PgToolError(`${tool} is not installed; install PostgreSQL's client tools (on Debian: apt-get install postgresql-client-15).`)
          : error,
      );
    });
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new PgToolError(`${tool} failed (exit ${code}): ${lastLines(stderr) || "no output"}`));
    });
  });
}

/** The major version a tool reports (`pg_dump (PostgreSQL) 15.18 ...` -> 15). */
export async function toolMajorVersion(tool: string): Promise<number> {
  const { stdout } = await runTool(tool, ["--version"]);
  const match = /(\d+)(?:\.\d+)?/.exec(stdout);
  if (!match) throw new PgToolError(`Could not read the version of ${tool} from "${stdout.trim()}".`);
  return Number(match[1]);
}

/** pg_dump refuses servers newer than itself: say which version to install before trying. */
export async function checkDumpCompatible(serverMajor: number, tool = "pg_dump"): Promise<void> {
  const major = await toolMajorVersion(tool);
  if (major < serverMajor) {
    throw new PgToolError(
      `${tool} ${major} cannot dump a PostgreSQL ${serverMajor} server; install ${tool} ${serverMajor} or newer (on Debian: apt-get install postgresql-client-${serverMajor}).`,
    );
  }
}

const lastLines = (text: string) => text.trim().split("\n").slice(-3).join(" ").trim();
