import { basename } from "node:path";
import { listBackups } from "../../ops/backup/list.ts";
import { applyPrune, DEFAULT_RETENTION_DAYS, planPrune, pruneCandidates, retentionPolicy, type PruneDecision } from "../../ops/backup/prune.ts";
import { defineCommand, EXIT } from "../command.ts";
import { backupConfig, backupDirFlag } from "../backup-config.ts";
import { flag } from "../flag.ts";
import { jsonFlag, wholeNumber } from "../flags.ts";
import { displayPath, plural, printJson } from "../output.ts";

export const backupPrune = defineCommand({
  path: ["backup", "prune"],
  summary: "Delete backups past the guide's retention (production 30 days, staging 7); keeps the newest verified.",
  details: [
    "Retention by APP_ENV, as the guide's table says: production 30 days, staging 7 days,",
    "development (and test) keep every backup until told otherwise. --retention-days or",
    "BACKUP_RETENTION_DAYS set the number of days for the current environment.",
    "",
    "Only backups with a manifest from the current APP_ENV are considered; age is the manifest's",
    "created time. A backup goes with its manifest when it is older than the retention, except",
    "the newest verified backup, which is always kept. Dumps without a manifest are left alone.",
    "--dry-run lists what would go and deletes nothing.",
    "",
    "Exit codes: 0 pruned (or nothing to prune), 1 an error, 2 bad usage.",
  ],
  flags: {
    dryRun: flag.boolean({ description: "List what would be deleted; delete nothing." }),
    retentionDays: flag.string(wholeNumber(1, 3650).optional(), { valueName: "<n>", description: "Keep backups this many days (default by APP_ENV; BACKUP_RETENTION_DAYS)." }),
    backupDir: backupDirFlag,
    json: jsonFlag,
  },
  async run(flags, ctx) {
    const config = backupConfig(ctx, flags.backupDir);
    const override = flags.retentionDays ?? config.retentionDays;
    const policy = retentionPolicy(config.environment, override);
    const listing = listBackups(config.dir);
    const plan = planPrune(pruneCandidates(listing), policy, new Date());
    const deleted = flags.dryRun ? [] : applyPrune(plan);
    const unmanaged = listing.filter((e) => e.kind !== "managed").length;
    const source = flags.retentionDays !== undefined ? "--retention-days" : config.retentionDays !== undefined ? "BACKUP_RETENTION_DAYS" : "the guide's default";
    if (flags.json) {
      printJson(ctx, { dir: config.dir, dryRun: flags.dryRun, policy: { ...policy, source }, delete: plan.delete, keep: plan.keep, deleted, unmanaged, warnings: plan.warnings });
      return EXIT.ok;
    }
    if (policy.retentionDays === null) {
      ctx.stdout(
        `APP_ENV=${policy.environment} keeps every backup (the guide: manual, as needed), so nothing was deleted; pass --retention-days <n> or set BACKUP_RETENTION_DAYS to prune.`,
      );
      return EXIT.ok;
    }
    ctx.stdout(`Retention for APP_ENV=${policy.environment}: ${plural(policy.retentionDays, "day")} (${source}${source === "the guide's default" ? `, production ${DEFAULT_RETENTION_DAYS.production} / staging ${DEFAULT_RETENTION_DAYS.staging}` : ""}), in ${displayPath(ctx, config.dir)}.`);
    const line = (d: PruneDecision) => `  ${basename(d.path)}  (${d.ageDays} days old, ${d.verification}: ${d.reason})`;
    if (plan.delete.length === 0) ctx.stdout("Nothing to delete.");
    else {
      ctx.stdout(flags.dryRun ? `Dry run: would delete ${plural(plan.delete.length, "backup")} with their manifests:` : `Deleted ${plural(deleted.length, "backup")} with their manifests:`);
      for (const d of plan.delete) ctx.stdout(line(d));
    }
    if (plan.keep.length) {
      ctx.stdout(`Keeping ${plural(plan.keep.length, "backup")}:`);
      for (const d of plan.keep) ctx.stdout(line(d));
    }
    if (unmanaged) ctx.stdout(`Left alone: ${plural(unmanaged, "file")} without a valid manifest (see \`dbctl backup list\`).`);
    if (flags.dryRun && plan.delete.length) ctx.stdout("Nothing was deleted.");
    for (const warning of plan.warnings) ctx.stderr(`warning: ${warning}`);
    return EXIT.ok;
  },
});
