import { defineCommand, EXIT } from "../command.ts";
import { printJson } from "../output.ts";
import { describeBranch, openRecovery, recoveryFlags } from "../recovery-session.ts";

export const recoveryWindow = defineCommand({
  path: ["recovery", "window"],
  summary: "What can be restored: from when to when, per provider, and the branches there are.",
  details: [
    "Neon (NEON_API_KEY + NEON_PROJECT_ID set): the project's history retention.",
    "Self-hosted (otherwise): from the oldest base backup to the newest archived commit in RECOVERY_DIR",
    "(npm start's embedded database archives its WAL there from the first start).",
    "",
    "Exit codes: 0 shown, 1 no window yet or an error, 2 bad usage.",
  ],
  flags: recoveryFlags,
  async run(flags, ctx) {
    const { provider } = await openRecovery(flags, ctx);
    const window = await provider.restoreWindow();
    const branches = await provider.listBranches();
    if (flags.json) {
      printJson(ctx, { provider: provider.kind, window, branches });
      return EXIT.ok;
    }
    const hours = (window.to.getTime() - window.from.getTime()) / 3_600_000;
    ctx.stdout(`Provider: ${provider.kind}`);
    ctx.stdout(`Restore window: ${window.from.toISOString()} to ${window.to.toISOString()} (${hours.toFixed(1)} hours)`);
    ctx.stdout(`Branches:\n${branches.map((b) => `  ${describeBranch(b)}`).join("\n")}`);
    return EXIT.ok;
  },
});
