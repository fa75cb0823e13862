import { basename } from "node:path";
import { maskUrl } from "../../env.ts";
import { restoreBackup } from "../../ops/backup/restore.ts";
import { defineCommand, EXIT } from "../command.ts";
import { backupConfig, backupDirFlag, backupFileArgs, resolveBackupFile, tableFlag } from "../backup-config.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { displayPath, printJson } from "../output.ts";
import { progressLine } from "../progress-line.ts";

export const backupRestore = defineCommand({
  path: ["backup", "restore"],
  summary: "Restore a backup into the database (pg_restore or psql), after a safety backup of it.",
  args: backupFileArgs,
  details: [
    "The guide's recovery commands: pg_restore -v [-c] [-t ...] -d for custom backups, psql -f",
    "for plain SQL, run as one transaction: a restore that fails part-way is rolled back and the",
    "database is as it was.",
    "",
    "First: refuses APP_ENV=production without --force; refuses a backup that no longer matches its",
    "manifest; then takes a safety backup of the target into BACKUP_DIR and prints where it is.",
    "--clean drops the backup's objects before recreating them (pg_restore -c --if-exists).",
    "--table restores only those tables' definitions and rows, as pg_restore -t does (no indexes",
    "or constraints). --clean and --table need a custom-format backup.",
    "",
    "Exit codes: 0 restored, 1 refused or failed (the message names the safety backup), 2 bad usage.",
  ],
  flags: {
    table: tableFlag,
    clean: flag.boolean({ description: "Drop the backup's objects first (pg_restore -c --if-exists)." }),
    force: flag.boolean({ description: "Restore even though APP_ENV is production." }),
    backupDir: backupDirFlag,
    url: urlFlag,
    json: jsonFlag,
  },
  async run(flags, ctx) {
    const config = backupConfig(ctx, flags.backupDir);
    const path = resolveBackupFile(ctx, flags.args, config.dir);
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
    const masked = maskUrl(target.url);
    if (!flags.json) {
      ctx.stdout(`Restoring ${displayPath(ctx, path)} into ${masked} (from ${target.source}) ...`);
    }
    const progress = progressLine(flags.json);
    const result = await restoreBackup(path, target.url, {
        environment: config.environment,
        force: flags.force,
        clean: flags.clean,
        safetyDir: config.dir,
        ...(flags.table && { tables: flags.table }),
        ...(progress.listener && { onProgress: progress.listener }),
        onSafetyBackup: (safety) => {
          progress.clear();
          if (!flags.json) ctx.stdout(`Safety backup of ${masked}: ${displayPath(ctx, safety.path)} (to undo: dbctl backup restore ${displayPath(ctx, safety.path)} --clean)`);
        },
      }).finally(() => progress.clear());
    const differing = result.rowCheck?.filter((r) => r.expected !== r.actual) ?? [];
    if (flags.json) {
      printJson(ctx, { path, database: masked, format: result.format, tables: result.tables, clean: result.clean, durationMs: result.durationMs, safetyBackup: result.safetyBackup.path, rowCheck: result.rowCheck });
      return EXIT.ok;
    }
    ctx.stdout(`Restored ${basename(path)}${result.tables ? ` (tables ${result.tables.join(", ")})` : ""} into ${masked} in ${(result.durationMs / 1000).toFixed(1)}s.`);
    if (result.rowCheck && differing.length === 0) ctx.stdout(`Row counts match the backup for all ${result.rowCheck.length} tables.`);
    if (differing.length) {
      ctx.stderr(
        `warning: ${differing.length} tables now hold other row counts than the backup (${differing.map((r) => `${r.table}: ${r.actual}, backup ${r.expected}`).join("; ")}); rows that were there before stay unless --clean is used.`,
      );
    }
    return EXIT.ok;
  },
});
