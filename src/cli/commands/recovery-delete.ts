import { defineCommand, EXIT } from "../command.ts";
import { branchFlag, openRecoveryBranch, recoveryFlags } from "../recovery-session.ts";

export const recoveryDelete = defineCommand({
  path: ["recovery", "delete"],
  summary: "Delete a branch made for recovery (never the primary, never one with child branches).",
  details: [
    "Refuses the primary branch, and a branch that other branches were made from (delete those",
    "first), as Neon does; a refusal changes nothing.",
    "",
    "Exit codes: 0 deleted, 1 refused (primary, has children, unknown) or an error, 2 bad usage.",
  ],
  flags: { branch: branchFlag("The branch to delete."), ...recoveryFlags },
  async run(flags, ctx) {
    const { provider } = await openRecoveryBranch(flags, ctx);
    await provider.deleteBranch(flags.branch);
    ctx.stdout(flags.json ? JSON.stringify({ deleted: flags.branch }) : `Deleted branch "${flags.branch}".`);
    return EXIT.ok;
  },
});
