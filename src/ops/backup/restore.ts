import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import { maskUrl, type Env } from "../../env.ts";
import { withConnection } from "../sql.ts";
import { createBackup, type CreatedBackup } from "./create.ts";
import { BackupError } from "./errors.ts";
import { detectFormat, loadBackup, readToc } from "./load.ts";
import { dumpMajor, fileSha256, manifestPathFor, readManifest, type Manifest } from "./manifest.ts";
import { checkRestoreCompatible, firstToolError, PgToolError } from "./pg-tools.ts";
import type { ProgressListener } from "./progress.ts";
import { countRows, qualifiedName, resolveTables, type TableRef } from "./tables.ts";

export interface RestoreOptions {
  environment: Env["APP_ENV"];
  /** Needed to restore when APP_ENV is production. */
  force?: boolean;
  /** Only these tables (pg_restore -t); custom archives only. */
  tables?: readonly string[];
  /** Drop the backup's objects before recreating them (pg_restore -c); custom archives only. */
  clean?: boolean;
  /** Where the safety backup of the target goes. */
  safetyDir: string;
  now?: () => Date;
  onProgress?: ProgressListener;
  /** Told as soon as the safety backup exists, before the restore starts. */
  onSafetyBackup?: (backup: CreatedBackup) => void;
}

export interface RestoreResult {
  path: string;
  format: Manifest["format"];
  tables: string[] | null;
  clean: boolean;
  safetyBackup: CreatedBackup;
  durationMs: number;
  /** A full restore with a manifest: the target's row counts against the backup's, table by table. */
  rowCheck: { table: string; expected: number; actual: number }[] | null;
}

/**
 * The guide's recovery commands (`pg_restore [-c] [-t ...] -d`, `psql -f`) after three guards:
 * a production target needs force; a backup whose manifest it no longer matches is refused; and
 * a safety backup of the target is taken first. The restore runs in one transaction, so a failure
 * leaves the target as it was, and the error names the safety backup either way.
 */
export async function restoreBackup(path: string, url: string, options: RestoreOptions): Promise<RestoreResult> {
  const target = maskUrl(url);
  if (!existsSync(path)) throw new BackupError("BACKUP_NOT_FOUND", `There is no backup file ${path}.`);
  if (options.environment === "production" && !options.force) {
    throw new BackupError(
      "PRODUCTION_REFUSED",
      `Refusing to restore ${basename(path)} into ${target} because APP_ENV=production; nothing was changed, and --force restores anyway (after a safety backup).`,
    );
  }
  const manifest = existsSync(manifestPathFor(path)) ? readManifest(path) : null;
  if (manifest) await checkUnchanged(path, manifest);
  const format = manifest?.format ?? detectFormat(path);
  const wanted = options.tables?.length ? options.tables : undefined;
  if (format === "plain" && (wanted || options.clean)) {
    throw new BackupError(
      "PLAIN_FORMAT_LIMITS",
      `${basename(path)} is a plain SQL backup, which psql replays whole: --table and --clean need a custom-format backup (dbctl backup create --format custom).`,
    );
  }
  let tables: TableRef[] | undefined;
  if (format === "custom") {
    if (manifest) await checkRestoreCompatible(dumpMajor(manifest));
    const toc = await readToc(path).catch((error: unknown) => {
      throw new BackupError("BACKUP_UNREADABLE", `pg_restore cannot read ${basename(path)}: ${firstToolError(error)}.`);
    });
    if (wanted) {
      const inArchive = toc.filter((e) => e.kind === "TABLE").map((e) => ({ schema: e.schema, name: e.name }));
      tables = resolveTables(inArchive, wanted);
    }
  }

  let safetyBackup: CreatedBackup;
  try {
    safetyBackup = await createBackup(url, {
      dir: options.safetyDir,
      environment: options.environment,
      purpose: "pre-restore",
      ...(options.now && { now: options.now }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
  } catch (error) {
    const reason = error instanceof PgToolError && error.code === "TOOL_FAILED" ? firstToolError(error) : (error as Error).message.replace(/\.$/, "");
    throw new BackupError("SAFETY_BACKUP_FAILED", `Could not take a safety backup of ${target}, so nothing was restored: ${reason}.`);
  }
  options.onSafetyBackup?.(safetyBackup);

  const started = Date.now();
  try {
    await loadBackup(path, url, {
      format,
      ...(tables && { tables }),
      clean: options.clean ?? false,
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
  } catch (error) {
    const reason = firstToolError(error);
    const hint = !options.clean && format === "custom" && /already exists/.test(reason) ? " (--clean replaces existing objects)" : "";
    throw new BackupError(
      "RESTORE_FAILED",
      `The restore of ${basename(path)} failed and was rolled back, so ${target} is as it was (${reason})${hint}; the safety backup is ${safetyBackup.path}.`,
    );
  }
  const durationMs = Date.now() - started;
  const rowCheck = manifest && !tables && manifest.include.contents !== "schema-only" ? await compareWithManifest(url, manifest).catch(() => null) : null;
  return { path, format, tables: tables ? tables.map(qualifiedName) : null, clean: options.clean ?? false, safetyBackup, durationMs, rowCheck };
}

/** A backup that no longer matches its manifest is damaged; restoring it could load half a database. */
async function checkUnchanged(path: string, manifest: Manifest) {
  const size = statSync(path).size;
  if (size !== manifest.sizeBytes || (await fileSha256(path)) !== manifest.sha256) {
    throw new BackupError(
      "BACKUP_CORRUPTED",
      `Refusing to restore ${basename(path)}: it no longer matches its manifest (size or SHA-256), so it was damaged or changed after it was written; nothing was changed.`,
    );
  }
}

function compareWithManifest(url: string, manifest: Manifest) {
  return withConnection(url, async (db) => {
    const counted = manifest.tables.filter((t): t is TableRef & { rows: number } => t.rows !== null);
    const counts = await countRows(db, counted);
    return counted.map((t, i) => ({ table: qualifiedName(t), expected: t.rows, actual: counts[i] ?? 0 }));
  });
}
