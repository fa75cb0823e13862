import { createInterface } from "node:readline/promises";
import { z } from "zod";
import { CliError, defineCommand, EXIT } from "../command.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { findBranch, openRecovery, recoveryBase, rethrow } from "./recovery-shared.ts";
import { primaryBranch } from "../../ops/recovery/factory.ts";

export const recoveryPromote = defineCommand({
  path: ["recovery", "promote"],
  summary: "Make a restored branch's moment the live state, keeping the replaced state as a branch.",
  details: [
    "Rewinds the primary branch in place to the moment the given branch holds (Neon: restore with",
    "preserve_under_name; self-hosted: the restored instance takes the primary's data folder and",
    "port, the old one keeps running under the preserved name). Connection strings keep working;",
    "the replaced state stays reachable under --preserve-as (default: pre-promote-<time>).",
    "Turn maintenance on first (dbctl maintenance on): writes made during the swap are lost.",
    "Asks for confirmation unless --yes.",
    "",
    "Exit codes: 0 promoted, 1 refused or failed, 2 bad usage.",
  ],
  flags: {
    branch: { type: "string", valueName: "<name>", description: "The restored branch whose moment becomes live." },
    "preserve-as": { type: "string", valueName: "<name>", description: "Name for the replaced state. Default: pre-promote-<time>." },
    yes: { type: "boolean", description: "Do not ask for confirmation." },
    ...urlFlag,
    ...jsonFlag,
  },
  schema: z.object({ branch: z.string().trim().min(1), preserveAs: z.string().trim().min(1).optional(), yes: z.boolean().default(false), ...recoveryBase }),
  async run(flags, ctx) {
    const { provider, log } = await openRecovery(flags, ctx);
    const branch = await findBranch(provider, flags.branch);
    const primary = await primaryBranch(provider).catch(rethrow);
    if (branch.primary) throw new CliError("BRANCH_IS_PRIMARY", `"${branch.name}" is already the primary branch.`);
    const at = branch.restoredFrom?.at ?? branch.parentTimestamp;
    if (!at || branch.parent !== primary.name) {
      throw new CliError("NOT_A_RESTORE", `"${branch.name}" is not a restore of the primary branch "${primary.name}" at a moment; create one with \`dbctl recovery branch --at <time>\`.`);
    }
    const preserveAs = flags.preserveAs ?? `pre-promote-${new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}`;
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new CliError("CONFIRMATION_REQUIRED", `Promoting rewinds the live database "${primary.name}" to ${at.toISOString()}; run again with --yes to confirm.`);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`Rewind the live database "${primary.name}" to ${at.toISOString()}, keeping its current state as "${preserveAs}"? Type "promote" to go on: `);
      rl.close();
      if (answer.trim() !== "promote") throw new CliError("CANCELLED", "Promotion cancelled; nothing was changed.");
    }
    log?.(`Restoring "${primary.name}" to ${at.toISOString()} (the state of "${branch.name}") ...`);
    const result = await provider.restoreBranch(primary.name, { at, preserveUnderName: preserveAs }).catch(rethrow);
    if (flags.json) {
      ctx.stdout(JSON.stringify({ promoted: branch.name, at, ...result }, null, 2));
    } else {
      ctx.stdout(`"${primary.name}" now holds the state of ${at.toISOString()}; its connection string is unchanged.`);
      ctx.stdout(`The replaced state is kept as branch "${result.preserved.name}".`);
      ctx.stdout(`"${branch.name}" was left as it is: delete it with \`dbctl recovery delete --branch ${branch.name}\` when done.`);
    }
    return EXIT.ok;
  },
});
