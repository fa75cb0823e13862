import { z } from "zod";
import { defineCommand, EXIT } from "../command.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { findBranch, openRecovery, recoveryBase, rethrow } from "./recovery-shared.ts";

export const recoveryDelete = defineCommand({
  path: ["recovery", "delete"],
  summary: "Delete a branch made for recovery (never the primary).",
  details: ["Exit codes: 0 deleted, 1 refused (primary, unknown) or an error, 2 bad usage."],
  flags: { branch: { type: "string", valueName: "<name>", description: "The branch to delete." }, ...urlFlag, ...jsonFlag },
  schema: z.object({ branch: z.string().trim().min(1), ...recoveryBase }),
  async run(flags, ctx) {
    const { provider } = await openRecovery(flags, ctx);
    await findBranch(provider, flags.branch);
    await provider.deleteBranch(flags.branch).catch(rethrow);
    ctx.stdout(flags.json ? JSON.stringify({ deleted: flags.branch }) : `Deleted branch "${flags.branch}".`);
    return EXIT.ok;
  },
});
