import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { maskUrl, type Env } from "../../env.ts";
import { connect, type Connection } from "../sql.ts";
import { BackupError } from "./errors.ts";
import { fileSha256, manifestPathFor, writeManifest, type Manifest } from "./manifest.ts";
import { checkDumpCompatible, firstToolError, PgToolError, runTool, splitPassword, toolVersion } from "./pg-tools.ts";
import { backupStamp } from "./pre-migration.ts";
import { ticker, type ProgressListener } from "./progress.ts";
import { countRows, qualifiedName, quotedName, resolveTables, userTables, type TableRef } from "./tables.ts";

export type BackupFormat = Manifest["format"];
export type BackupContents = Manifest["include"]["contents"];

export interface CreateOptions {
  /** Folder for the dump and its manifest; created when missing. */
  dir: string;
  environment: Env["APP_ENV"];
  format?: BackupFormat;
  contents?: BackupContents;
  /** Only these tables (exact names, optionally schema-qualified), as the guide's `-t`. */
  tables?: readonly string[];
  purpose?: Manifest["purpose"];
  now?: () => Date;
  onProgress?: ProgressListener;
}

export interface CreatedBackup {
  path: string;
  manifestPath: string;
  manifest: Manifest;
}

/**
 * The guide's pg_dump invocations (`-Fc`, plain, `-s`, `-a`, `-t`) into
 * `<dir>/db_<env>_<YYYYMMDD_HHMMSS>.dump|.sql`, with a manifest beside it. The row counts come
 * from a REPEATABLE READ transaction whose snapshot pg_dump imports (`--snapshot`), so they
 * describe exactly the rows in the file. A failed dump leaves no file behind.
 */
export async function createBackup(url: string, options: CreateOptions): Promise<CreatedBackup> {
  const format = options.format ?? "custom";
  const contents = options.contents ?? "full";
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const createdAt = now();

  let db: Connection;
  try {
    db = await connect(url, { applicationName: "dbctl backup" });
  } catch (error) {
    throw new BackupError("CONNECTION_FAILED", `Could not connect to ${maskUrl(url)}: ${(error as Error).message}`);
  }
  let path: string | undefined;
  let done = false;
  try {
    const { rows } = await db.query<{ major: number; version: string }>(
      `SELECT current_setting('server_version_num')::int / 10000 AS major, current_setting('server_version') AS version`,
    );
    const server = rows[0] ?? { major: 0, version: "unknown" };
    await checkDumpCompatible(server.major);
    const pgDump = await toolVersion("pg_dump");

    const all = await userTables(db);
    const selected: TableRef[] = options.tables?.length ? resolveTables(all, options.tables) : all;

    const dir = resolve(options.dir);
    mkdirSync(dir, { recursive: true });
    path = reserveFile(dir, `db_${options.environment}_${backupStamp(createdAt)}`, format === "custom" ? ".dump" : ".sql");

    const snapshot = await openSnapshot(db);
    const { url: target, password } = splitPassword(url);
    const args = [
      ...(format === "custom" ? ["-Fc"] : []),
      ...(contents === "schema-only" ? ["-s"] : contents === "data-only" ? ["-a"] : []),
      ...(options.tables?.length ? selected.flatMap((t) => ["-t", quotedName(t)]) : []),
      ...(snapshot ? ["--snapshot", snapshot] : []),
      "-d",
      target,
      "-f",
      path,
    ];
    const file = path;
    const stopTicker = ticker(options.onProgress, (elapsedMs) => ({ phase: "dump", elapsedMs, bytes: sizeOf(file) }));
    // pg_dump and the counts run side by side in the one snapshot; both must finish.
    const [dumped, counted] = await Promise.allSettled([
      runTool("pg_dump", args, password === undefined ? {} : { password }),
      contents === "schema-only" ? Promise.resolve(null) : countRows(db, selected),
    ]).finally(stopTicker);
    if (snapshot) await db.query("COMMIT");
    if (dumped.status === "rejected") {
      const error: unknown = dumped.reason;
      if (error instanceof PgToolError && error.code === "TOOL_FAILED") throw new BackupError("DUMP_FAILED", `pg_dump failed, so no backup was written: ${firstToolError(error)}.`);
      throw error;
    }
    if (counted.status === "rejected") throw counted.reason;
    const counts = counted.value;

    const manifest: Manifest = {
      manifestVersion: 1,
      file: basename(path),
      format,
      include: { contents, tables: options.tables?.length ? selected.map(qualifiedName) : null },
      purpose: options.purpose ?? "manual",
      environment: options.environment,
      database: maskUrl(url),
      createdAt: createdAt.toISOString(),
      durationMs: Date.now() - started,
      sizeBytes: statSync(path).size,
      sha256: await fileSha256(path),
      pgDumpVersion: pgDump.text,
      serverVersion: server.version,
      snapshot,
      command: ["pg_dump", ...args.map((a) => (a === target ? `"${maskUrl(target)}"` : /[\s"*]/.test(a) ? `'${a}'` : a))].join(" "),
      tables: selected.map((t, i) => ({ schema: t.schema, name: t.name, rows: counts ? (counts[i] ?? 0) : null })),
      verification: { state: "unverified" },
    };
    const manifestPath = writeManifest(path, manifest);
    done = true;
    return { path, manifestPath, manifest };
  } finally {
    if (!done && path) {
      rmSync(path, { force: true });
      rmSync(manifestPathFor(path), { force: true });
    }
    await db.close().catch(() => {});
  }
}

/**
 * A REPEATABLE READ transaction whose snapshot pg_dump imports. Some servers cannot export one
 * (a hot standby before PostgreSQL 10, some proxies): then the counts are taken on their own.
 */
async function openSnapshot(db: Connection): Promise<string | null> {
  await db.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    const { rows } = await db.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
    return rows[0]?.id ?? null;
  } catch {
    await db.query("ROLLBACK");
    return null;
  }
}

/** The stamp has one-second resolution: a second backup in the same second gets `_2`, `_3`, ... */
function reserveFile(dir: string, stem: string, extension: string): string {
  for (let n = 1; n < 1000; n++) {
    const path = join(dir, `${stem}${n === 1 ? "" : `_${n}`}${extension}`);
    if (existsSync(manifestPathFor(path))) continue;
    try {
      closeSync(openSync(path, "wx"));
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new BackupError("NAME_TAKEN", `Could not find a free file name for ${stem}${extension} in ${dir}.`);
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
