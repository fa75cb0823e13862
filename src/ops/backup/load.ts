import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "./manifest.ts";
import { runTool, splitPassword } from "./pg-tools.ts";
import { ticker, type ProgressListener } from "./progress.ts";
import type { TableRef } from "./tables.ts";

/**
 * Puts a backup into a database with the guide's recovery commands (pg_restore for custom
 * archives, psql for plain SQL), in one transaction: a failure part-way rolls everything back.
 */
export interface LoadOptions {
  format: Manifest["format"];
  /** Only these tables (pg_restore -t); custom archives only. */
  tables?: readonly TableRef[];
  /** Drop each object before recreating it (pg_restore -c --if-exists); custom archives only. */
  clean?: boolean;
  /** Skip ownership and grants: a scratch restore checks data, not roles that may not exist. */
  noOwner?: boolean;
  onProgress?: ProgressListener;
}

export async function loadBackup(path: string, url: string, options: LoadOptions): Promise<void> {
  const { url: target, password } = splitPassword(url);
  const auth = password === undefined ? {} : { password };
  let step = "starting";
  let read = 0;
  const total = statSync(path).size;
  const stop = ticker(options.onProgress, (elapsedMs) =>
    options.format === "custom" ? { phase: "restore", elapsedMs, step } : { phase: "restore", elapsedMs, bytes: read, totalBytes: total },
  );
  try {
    if (options.format === "custom") {
      const tables = options.tables ?? [];
      const schemas = [...new Set(tables.map((t) => t.schema))];
      await runTool(
        "pg_restore",
        [
          "-v",
          "--single-transaction",
          ...(options.clean ? ["--clean", "--if-exists"] : []),
          ...(options.noOwner ? ["--no-owner", "--no-privileges"] : []),
          ...schemas.flatMap((s) => ["-n", s]),
          ...tables.flatMap((t) => ["-t", t.name]),
          "-d",
          target,
          path,
        ],
        { ...auth, onStderrLine: (line) => (step = line.replace(/^pg_restore: /, "")) },
      );
    } else {
      await runTool("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", target], {
        ...auth,
        stdinFile: path,
        onStdinBytes: (bytes) => (read = bytes),
      });
    }
  } finally {
    stop();
  }
}

/**
 * Puts the schema of the database at `sourceUrl` (no rows, no owners, no grants) into the one at
 * `targetUrl`: `pg_dump -Fc -s` restored in one transaction. What a scratch database needs to
 * behave like the source for DDL: its tables, indexes, constraints, types and functions.
 */
export async function copySchema(sourceUrl: string, targetUrl: string): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "dbctl-schema-"));
  try {
    const schemaFile = join(folder, "schema.dump");
    const { url: source, password } = splitPassword(sourceUrl);
    await runTool("pg_dump", ["-Fc", "-s", "-d", source, "-f", schemaFile], password === undefined ? {} : { password });
    await loadBackup(schemaFile, targetUrl, { format: "custom", noOwner: true });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Custom archives start with "PGDMP"; anything else is taken as plain SQL for psql. */
export function detectFormat(path: string): Manifest["format"] {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(5);
    const n = readSync(fd, head, 0, 5, 0);
    return n === 5 && head.toString("latin1") === "PGDMP" ? "custom" : "plain";
  } finally {
    closeSync(fd);
  }
}

/** The TOC entries of a custom archive (`pg_restore --list`), as kind + schema + name. */
export interface TocEntry {
  kind: string;
  schema: string;
  name: string;
}

export async function readToc(path: string): Promise<TocEntry[]> {
  const { stdout } = await runTool("pg_restore", ["--list", path]);
  const entries: TocEntry[] = [];
  for (const line of stdout.split("\n")) {
    // 215; 1259 16413 TABLE public User postgres  /  3343; 0 16413 TABLE DATA public User postgres
    const match = /^\d+; \d+ \d+ (TABLE DATA|[A-Z][A-Z ]*?) (\S+) (.+) \S+$/.exec(line.trim());
    if (match) entries.push({ kind: match[1] as string, schema: match[2] as string, name: match[3] as string });
  }
  return entries;
}
