import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { loadEnv, type Env } from "../env.ts";
import { MANIFEST_SUFFIX } from "../ops/backup/manifest.ts";
import { CliError, type CliContext } from "./command.ts";
import { flag } from "./flag.ts";
import { displayPath } from "./output.ts";

/** What the backup commands are configured by: the environment, the backups folder, their flags. */

export interface BackupConfig {
  environment: Env["APP_ENV"];
  /** Absolute folder of backups. */
  dir: string;
  retentionDays: number | undefined;
}

/** Only the variables backups use are read: an unrelated bad setting must not stop a backup. */
export function backupConfig(ctx: CliContext, dirFlag: string | undefined): BackupConfig {
  const env = loadEnv({ APP_ENV: ctx.env.APP_ENV, BACKUP_DIR: ctx.env.BACKUP_DIR, BACKUP_RETENTION_DAYS: ctx.env.BACKUP_RETENTION_DAYS });
  return { environment: env.APP_ENV, dir: resolve(ctx.cwd, dirFlag ?? env.BACKUP_DIR), retentionDays: env.BACKUP_RETENTION_DAYS };
}

export const backupDirFlag = flag.string(z.string().trim().min(1, "must not be empty").optional(), {
  valueName: "<dir>",
  description: "Folder of backups and their manifests. Default: BACKUP_DIR, else backups.",
});

export const tableFlag = flag.list(
  z
    .array(z.string())
    .transform((values) => values.flatMap((v) => v.split(",")).map((name) => name.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, "needs at least one table name"))
    .optional(),
  {
    valueName: "<names>",
    description: "Only these tables: repeat the flag or separate with commas (--table User --table Project); exact names, optionally schema.table.",
  },
);

/** Exactly one backup file as the positional argument. */
export const backupFileArgs = {
  usage: "<file>",
  description: "The backup: a path, or a file name in BACKUP_DIR.",
  schema: z
    .array(z.string())
    .min(1, "name the backup file")
    .max(1, "name one backup file")
    .transform((names) => names[0] as string),
};

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
