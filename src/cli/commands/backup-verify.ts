import { basename } from "node:path";
import { maskUrl } from "../../env.ts";
import { verifyBackup } from "../../ops/backup/verify.ts";
import { defineCommand, EXIT } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { backupConfig, backupDirFlag, backupFileArgs, resolveBackupFile } from "../backup-config.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { displayPath, printJson } from "../output.ts";
import { progressLine } from "../progress-line.ts";

export const backupVerify = defineCommand({
  path: ["backup", "verify"],
  summary: "Prove a backup restorable: checksum, pg_restore --list, scratch restore, row counts.",
  args: backupFileArgs,
  details: [
    "Checks, in order, stopping at the first failure:",
    "  1. size and SHA-256 against the manifest (a truncated file or one flipped byte fails here);",
    "  2. custom format: pg_restore --list reads the archive, with data for every table;",
    "  3. a restore into a scratch database beside the target (created, then dropped; needs",
    "     CREATEDB), then each table's row count against the manifest's.",
    "Data-only and --table backups are restored on top of the database's current schema.",
    "Plain SQL backups replay their OWNER and GRANT statements, so verify them as a role allowed to",
    "run those (the owner, or a superuser); custom backups are checked without them.",
    "The outcome (verified or failed, when, and why) is recorded in the manifest; `backup list`",
    "shows it, and `backup prune` never deletes the newest verified backup.",
    "",
    "Exit codes: 0 verified, 1 failed verification or an error, 2 bad usage.",
  ],
  flags: { backupDir: backupDirFlag, url: urlFlag, json: jsonFlag },
  async run(flags, ctx) {
    const config = backupConfig(ctx, flags.backupDir);
    const path = resolveBackupFile(ctx, flags.args, config.dir);
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
    if (!flags.json) {
      ctx.stdout(`Verifying ${displayPath(ctx, path)} with a scratch database on ${maskUrl(target.url)} ...`);
    }
    const progress = progressLine(flags.json);
    const result = await verifyBackup(path, target.url, progress.listener ? { onProgress: progress.listener } : {}).finally(() => progress.clear());
    const failure = result.verified ? undefined : `Backup ${basename(path)} failed verification: ${result.reason}; the failure is recorded in its manifest.`;
    if (flags.json) {
      printJson(ctx, { path, verified: result.verified, ...(failure && { reason: result.reason }), checks: result.checks, verification: result.manifest.verification });
    } else {
      for (const check of result.checks) if (check.ok) ctx.stdout(`  ok  ${check.name}: ${check.detail}`);
      if (result.verified) ctx.stdout(`Verified: ${basename(path)} restores and every table has the rows it should (recorded in its manifest).`);
    }
    if (failure) {
      ctx.stderr(failure);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
});
