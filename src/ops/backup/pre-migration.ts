import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SqlClient } from "../sql.ts";
import { checkDumpCompatible, runTool, splitPassword } from "./pg-tools.ts";

export interface PreMigrationBackup {
  path: string;
  /** The command that puts the database back as it was, as the guide's script prints it. */
  restoreCommand: string;
}

/** `YYYYMMDD_HHMMSS` in UTC, as the guide's backup-before-migrate script names its files. */
export function backupStamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll("-", "")}_${iso.slice(11, 19).replaceAll(":", "")}`;
}

/**
 * The guide's backup-before-migrate step: `pg_dump -Fc` into backups/pre_migration_<ts>.dump,
 * before any migration runs. A failed dump stops the deploy: no backup, no migration.
 */
export async function backupBeforeMigrate(db: SqlClient, url: string, options: { dir: string; now?: Date }): Promise<PreMigrationBackup> {
  const { rows } = await db.query<{ major: number }>(`SELECT current_setting('server_version_num')::int / 10000 AS major`);
  await checkDumpCompatible(rows[0]?.major ?? 0);
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `pre_migration_${backupStamp(options.now ?? new Date())}.dump`);
  const { url: target, password } = splitPassword(url);
  await runTool("pg_dump", ["-Fc", "-d", target, "-f", path], password === undefined ? {} : { password });
  return { path, restoreCommand: `pg_restore -v -c -d "$DIRECT_URL" ${path}` };
}
