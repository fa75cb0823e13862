import { OpsError } from "../errors.ts";
import { spawn } from "node:child_process";
import { PRISMA_ONLY_PARAMS } from "../../db/url.ts";
import { createReadStream } from "node:fs";

/**
 * Runs PostgreSQL's client tools (pg_dump, pg_restore, psql) from the machine. The password
 * travels in PGPASSWORD, never on the command line where `ps` would show it.
 */
export class PgToolError extends OpsError {
  override name = "PgToolError";
  /** TOOL_MISSING and TOOL_TOO_OLD are fixed by installing; TOOL_FAILED is the tool's own failure. */
  declare readonly code: "TOOL_MISSING" | "TOOL_TOO_OLD" | "TOOL_FAILED";
  /** Everything the tool wrote on stderr, for callers that pick out its first error line. */
  readonly stderr: string;
  constructor(code: PgToolError["code"], message: string, details?: { stderr: string }) {
    // The tool's whole stderr stays off the rendered error (the message already has its last lines).
    super(code, message);
    this.stderr = details?.stderr ?? "";
  }
}

export interface ToolRun {
  stdout: string;
  stderr: string;
}

export interface ToolOptions {
  password?: string;
  env?: Record<string, string>;
  /** Each complete stderr line as it arrives (pg_restore -v names the object it is on). */
  onStderrLine?: (line: string) => void;
  /** A file fed to the tool's stdin (psql reading a plain dump), with the bytes read so far. */
  stdinFile?: string;
  onStdinBytes?: (bytes: number) => void;
}

/** The URL without its password, and the password apart, for a tool's argv and env. */
export function splitPassword(url: string): { url: string; password?: string } {
  const parsed = new URL(url);
  // libpq also takes ?password=; it must not reach argv either.
  const password = parsed.password ? decodeURIComponent(parsed.password) : (parsed.searchParams.get("password") ?? undefined);
  parsed.password = "";
  parsed.searchParams.delete("password");
  // Prisma's parameters mean nothing to libpq, and libpq rejects unknown ones.
  for (const key of PRISMA_ONLY_PARAMS) parsed.searchParams.delete(key);
  return password === undefined ? { url: parsed.toString() } : { url: parsed.toString(), password };
}

export function runTool(tool: string, args: string[], options: ToolOptions = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      env: { ...process.env, ...options.env, ...(options.password !== undefined && { PGPASSWORD: options.password }) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (!options.onStderrLine) return;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onStderrLine(line);
    });
    // A tool that stops early (psql on its first error) closes its stdin: that is not our failure.
    child.stdin.on("error", () => {});
    if (options.stdinFile === undefined) child.stdin.end();
    else {
      let read = 0;
      const input = createReadStream(options.stdinFile);
      input.on("data", (chunk) => {
        read += chunk.length;
        options.onStdinBytes?.(read);
      });
      input.on("error", (error) => {
        child.kill();
        reject(error);
      });
      input.pipe(child.stdin);
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new PgToolError("TOOL_MISSING", `${tool} is not installed; install PostgreSQL's client tools (on Debian: apt-get install postgresql-client-15).`)
          : error,
      );
    });
    child.on("close", (code) => {
      if (partial && options.onStderrLine) options.onStderrLine(partial);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new PgToolError("TOOL_FAILED", `${tool} failed (exit ${code}): ${lastLines(stderr) || "no output"}`, { stderr }));
    });
  });
}

/** What a tool reports about itself (`pg_dump (PostgreSQL) 15.18 (Debian ...)` -> 15, "15.18 (Debian ...)"). */
export function toolVersion(tool: string): Promise<{ major: number; text: string }> {
  // Asked once per tool and PATH: a backup asks several times, and each answer costs a process.
  const key = `${tool}\0${process.env.PATH ?? ""}`;
  let answer = versions.get(key);
  if (!answer) {
    answer = readToolVersion(tool);
    versions.set(key, answer);
    answer.catch(() => versions.delete(key));
  }
  return answer;
}

const versions = new Map<string, Promise<{ major: number; text: string }>>();

async function readToolVersion(tool: string): Promise<{ major: number; text: string }> {
  const { stdout } = await runTool(tool, ["--version"]);
  const match = /(\d+)(?:\.\d+)?/.exec(stdout);
  if (!match) throw new PgToolError("TOOL_FAILED", `Could not read the version of ${tool} from "${stdout.trim()}".`);
  return { major: Number(match[1]), text: stdout.trim().replace(/^\S+ \(PostgreSQL\) /, "") };
}

/** The major version a tool reports (`pg_dump (PostgreSQL) 15.18 ...` -> 15). */
export async function toolMajorVersion(tool: string): Promise<number> {
  return (await toolVersion(tool)).major;
}

/** pg_dump refuses servers newer than itself: say which version to install before trying. */
export async function checkDumpCompatible(serverMajor: number, tool = "pg_dump"): Promise<void> {
  const major = await installedMajor(tool, serverMajor, `to back up a PostgreSQL ${serverMajor} server`);
  if (major < serverMajor) {
    throw new PgToolError(
      "TOOL_TOO_OLD",
      `${tool} ${major} cannot dump a PostgreSQL ${serverMajor} server; install ${tool} ${serverMajor} or newer (on Debian: apt-get install postgresql-client-${serverMajor}).`,
    );
  }
}

/** pg_restore cannot read archives written by a newer pg_dump: say which version to install. */
export async function checkRestoreCompatible(dumpMajor: number, tool = "pg_restore"): Promise<void> {
  const major = await installedMajor(tool, dumpMajor, `to read a backup made by pg_dump ${dumpMajor}`);
  if (major < dumpMajor) {
    throw new PgToolError(
      "TOOL_TOO_OLD",
      `${tool} ${major} cannot read a backup made by pg_dump ${dumpMajor}; install ${tool} ${dumpMajor} or newer (on Debian: apt-get install postgresql-client-${dumpMajor}).`,
    );
  }
}

async function installedMajor(tool: string, needed: number, purpose: string): Promise<number> {
  try {
    return await toolMajorVersion(tool);
  } catch (error) {
    if (error instanceof PgToolError && error.code === "TOOL_MISSING") {
      throw new PgToolError("TOOL_MISSING", `${tool} is not installed; install ${tool} ${needed} or newer ${purpose} (on Debian: apt-get install postgresql-client-${needed}).`);
    }
    throw error;
  }
}

/** The first error a tool reported, without its prefixes: the sentence a user needs. */
export function firstToolError(error: unknown): string {
  if (!(error instanceof PgToolError)) return (error as Error).message ?? String(error);
  const lines = error.stderr.split("\n");
  const line = lines.find((l) => /\bERROR:/.test(l)) ?? lines.find((l) => /\berror:/.test(l));
  if (!line) return error.message.replace(/\.$/, "");
  const where = /^psql:[^:]*:(\d+):/.exec(line);
  const text = line
    .replace(/^.*?\b(ERROR|error):\s*/, "")
    .replace(/^could not execute query: (ERROR:\s*)?/, "")
    .trim()
    .replace(/\.$/, "");
  return `${text}${where ? ` (SQL line ${where[1]})` : ""}`;
}

const lastLines = (text: string) => text.trim().split("\n").slice(-3).join(" ").trim();
