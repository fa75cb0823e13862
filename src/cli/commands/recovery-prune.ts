import { loadEnv } from "../../env.ts";
import type { PrunedFiles } from "../../ops/recovery/provider.ts";
import { defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { wholeNumber } from "../flags.ts";
import { formatBytes, plural, printJson } from "../output.ts";
import { openRecovery, recoveryFlags } from "../recovery-session.ts";

export const recoveryPrune = defineCommand({
  path: ["recovery", "prune"],
  summary: "Self-hosted: delete WAL and base backups only needed for moments before the restore window.",
  details: [
    "The window is RECOVERY_WINDOW_DAYS (default 7) back from now, or --window-days: every moment",
    "in it stays restorable. What goes: base backups older than the one a restore at the window's",
    "start begins from, the WAL before that backup, and history files of timelines nothing can",
    "reach. The newest base backup always stays, and so does whatever an existing branch needs.",
    "--dry-run prints what would go and deletes nothing.",
    "Neon keeps history by the project's history retention setting: nothing to prune here.",
    "",
    "Exit codes: 0 pruned (or nothing to prune), 1 an error, 2 bad usage.",
  ],
  flags: {
    dryRun: flag.boolean({ description: "List what would be deleted; delete nothing." }),
    windowDays: flag.string(wholeNumber(1, 365).optional(), { valueName: "<n>", description: "Days of history to keep restorable. Default: RECOVERY_WINDOW_DAYS, else 7." }),
    ...recoveryFlags,
  },
  async run(flags, ctx) {
    const windowDays = flags.windowDays ?? loadEnv({ RECOVERY_WINDOW_DAYS: ctx.env.RECOVERY_WINDOW_DAYS }).RECOVERY_WINDOW_DAYS;
    const { provider } = await openRecovery(flags, ctx);
    if (!provider.prune) {
      const note = `The ${provider.kind} provider keeps history by its own retention setting; dbctl has nothing to prune.`;
      if (flags.json) printJson(ctx, { provider: provider.kind, pruned: false, note });
      else ctx.stdout(note);
      return EXIT.ok;
    }
    const result = await provider.prune({ windowDays, dryRun: flags.dryRun });
    if (flags.json) {
      printJson(ctx, { provider: provider.kind, windowDays, ...result });
      return EXIT.ok;
    }
    const line = (label: string, files: PrunedFiles) => `  ${plural(files.count, label)}, ${formatBytes(files.bytes)}${files.count ? `: ${files.names.join(", ")}` : ""}`;
    ctx.stdout(`Keeping every moment since ${result.keepFrom.toISOString()} (${plural(windowDays, "day")}) restorable.`);
    ctx.stdout(result.dryRun ? "Dry run: would delete" : "Deleted");
    ctx.stdout(line("base backup", result.baseBackups));
    ctx.stdout(line("WAL segment", result.walSegments));
    ctx.stdout(line("timeline history file", result.historyFiles));
    ctx.stdout(`${result.dryRun ? "Would free" : "Freed"} ${formatBytes(result.bytesFreed)}.`);
    const span = (w: typeof result.windowBefore) => (w ? `${w.from.toISOString()} to ${w.to.toISOString()}` : "none");
    ctx.stdout(`Restore window: ${span(result.windowBefore)} before, ${span(result.windowAfter)} ${result.dryRun ? "after a prune" : "now"}.`);
    if (result.dryRun) ctx.stdout("Nothing was deleted.");
    return EXIT.ok;
  },
});
