import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { z } from "zod";
import { ConfigError, loadEnv, type Env } from "../../env.ts";
import { BackupError } from "../../ops/backup/errors.ts";
import { MANIFEST_SUFFIX } from "../../ops/backup/manifest.ts";
import { PgToolError } from "../../ops/backup/pg-tools.ts";
import type { Progress, ProgressListener } from "../../ops/backup/progress.ts";
import { CliError, type CliContext, type FlagSpec } from "../command.ts";

/** What the backup commands share: their configuration, flags, file lookup, errors and progress line. */

export interface BackupConfig {
  environment: Env["APP_ENV"];
  /** Absolute folder of backups. */
  dir: string;
  retentionDays: number | undefined;
}

/** Only the variables backups use are read: an unrelated bad setting must not stop a backup. */
export function backupConfig(ctx: CliContext, dirFlag: string | undefined): BackupConfig {
  let env: Env;
  try {
    env = loadEnv({ APP_ENV: ctx.env.APP_ENV, BACKUP_DIR: ctx.env.BACKUP_DIR, BACKUP_RETENTION_DAYS: ctx.env.BACKUP_RETENTION_DAYS });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError("INVALID_CONFIG", `${error.message}.`);
    throw error;
  }
  return { environment: env.APP_ENV, dir: resolve(ctx.cwd, dirFlag ?? env.BACKUP_DIR), retentionDays: env.BACKUP_RETENTION_DAYS };
}

export const backupDirFlag: Record<"backup-dir", FlagSpec> = {
  "backup-dir": { type: "string", valueName: "<dir>", description: "Folder of backups and their manifests. Default: BACKUP_DIR, else backups." },
};
export const backupDirSchema = z.string().trim().min(1, "must not be empty").optional();

export const tableFlag: Record<"table", FlagSpec> = {
  table: {
    type: "string",
    multiple: true,
    valueName: "<names>",
    description: "Only these tables: repeat the flag or separate with commas (--table User --table Project); exact names, optionally schema.table.",
  },
};
export const tableSchema = z
  .array(z.string())
  .transform((values) => values.flatMap((v) => v.split(",")).map((name) => name.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1, "needs at least one table name"))
  .optional();

/** Exactly one backup file as the positional argument. */
export const backupFileArgs = z
  .array(z.string())
  .min(1, "name the backup file")
  .max(1, "name one backup file");

/**
 * The backup a user named: a path as given (relative to the working directory), else a file of
 * that name in the backups folder. Naming its manifest means the backup beside it.
 */
export function resolveBackupFile(ctx: CliContext, name: string, dir: string): string {
  const bare = name.endsWith(MANIFEST_SUFFIX) ? name.slice(0, -MANIFEST_SUFFIX.length) : name;
  const candidates = [resolve(ctx.cwd, bare), ...(isAbsolute(bare) ? [] : [resolve(dir, bare)])];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new CliError("BACKUP_NOT_FOUND", `There is no backup file ${name} (looked in ${displayPath(ctx, ctx.cwd) || "."} and ${displayPath(ctx, dir)}).`);
  return found;
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function displayPath(ctx: CliContext, path: string): string {
  const rel = relative(ctx.cwd, path);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** Backup and tool failures become CLI errors with their own code and sentence. */
export async function backupErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.code, error.message);
    if (error instanceof PgToolError) throw new CliError(error.code, error.message);
    throw error;
  }
}

export interface ProgressLine {
  /** Undefined when nothing is drawn (not a terminal, or --json): the operation then skips sampling. */
  listener: ProgressListener | undefined;
  /** Removes the line, before other output or at the end. */
  clear(): void;
}

/** One line, redrawn in place, on a terminal only; --json and pipes get none. */
export function progressLine(json: boolean, stream: NodeJS.WriteStream = process.stdout): ProgressLine {
  if (json || !stream.isTTY) return { listener: undefined, clear: () => {} };
  let drawn = false;
  return {
    listener: (progress) => {
      const text = renderProgress(progress);
      const width = (stream.columns || 80) - 1;
      stream.write(`\r${text.length > width ? `${text.slice(0, width - 3)}...` : text}\x1b[K`);
      drawn = true;
    },
    clear: () => {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}

export function renderProgress(p: Progress): string {
  const elapsed = `${(p.elapsedMs / 1000).toFixed(1)}s`;
  if (p.phase === "dump") return `Dumping: ${formatBytes(p.bytes ?? 0)} written, ${elapsed}`;
  if (p.totalBytes) {
    const share = Math.min(100, Math.floor(((p.bytes ?? 0) / p.totalBytes) * 100));
    return `Restoring: ${share}% (${formatBytes(p.bytes ?? 0)} of ${formatBytes(p.totalBytes)}), ${elapsed}`;
  }
  return `Restoring: ${elapsed}, ${p.step ?? "working"}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatAge(ms: number): string {
  if (ms < 0) return "in the future";
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m ago`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h ago`;
}
