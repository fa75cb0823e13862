import { createInterface } from "node:readline/promises";
import { z } from "zod";
import { getMaintenance } from "../../ops/maintenance.ts";
import { primaryBranch } from "../../ops/recovery/factory.ts";
import { withConnection } from "../../ops/sql.ts";
import { CliError, defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { branchFlag, openRecoveryBranch, recoveryFlags } from "../recovery-session.ts";

export const recoveryPromote = defineCommand({
  path: ["recovery", "promote"],
  summary: "Make a restored branch's moment the live state, keeping the replaced state as a branch.",
  details: [
    "Rewinds the primary branch in place to the moment the given branch holds (Neon: restore with",
    "preserve_under_name; self-hosted: the restored instance takes the primary's data folder and",
    "port, the old one keeps running under the preserved name). Connection strings keep working;",
    "the replaced state stays reachable under --preserve-as (default: pre-promote-<time>).",
    "",
    "Refuses while maintenance is off (`dbctl maintenance on` first): writes the API accepts during",
    "the swap would be lost. --force promotes anyway. Asks for confirmation unless --yes.",
    "",
    "Exit codes: 0 promoted, 1 refused or failed (a refusal changes nothing), 2 bad usage.",
  ],
  flags: {
    branch: branchFlag("The restored branch whose moment becomes live."),
    preserveAs: flag.string(z.string().trim().min(1, "must not be empty").optional(), { valueName: "<name>", description: "Name for the replaced state. Default: pre-promote-<time>." }),
    yes: flag.boolean({ description: "Do not ask for confirmation." }),
    force: flag.boolean({ description: "Promote even though maintenance is off (writes during the swap are lost)." }),
    ...recoveryFlags,
  },
  async run(flags, ctx) {
    const { provider, target, log, branch } = await openRecoveryBranch(flags, ctx);
    const primary = await primaryBranch(provider);
    if (branch.primary) throw new CliError("BRANCH_IS_PRIMARY", `"${branch.name}" is already the primary branch.`);
    const at = branch.restoredFrom?.at ?? branch.parentTimestamp;
    if (!at || branch.parent !== primary.name) {
      throw new CliError("NOT_A_RESTORE", `"${branch.name}" is not a restore of the primary branch "${primary.name}" at a moment; create one with \`dbctl recovery branch --at <time>\`.`);
    }
    if (!flags.force) await requireMaintenance(target.url);
    else log?.("warning: promoting with maintenance off (--force): writes made during the swap are lost.");
    const preserveAs = flags.preserveAs ?? `pre-promote-${new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}`;
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new CliError("CONFIRMATION_REQUIRED", `Promoting rewinds the live database "${primary.name}" to ${at.toISOString()}; run again with --yes to confirm.`);
      await confirm(`Rewind the live database "${primary.name}" to ${at.toISOString()}, keeping its current state as "${preserveAs}"?`);
    }
    log?.(`Restoring "${primary.name}" to ${at.toISOString()} (the state of "${branch.name}") ...`);
    const result = await provider.restoreBranch(primary.name, { at, preserveUnderName: preserveAs });
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

/** The live database's maintenance switch must be on: the API then refuses the writes a swap would lose. */
async function requireMaintenance(liveUrl: string): Promise<void> {
  const state = await withConnection(liveUrl, getMaintenance).catch((error: Error) => {
    throw new CliError("MAINTENANCE_UNKNOWN", `Refusing to promote: could not read the maintenance switch of the live database (${error.message}); nothing was changed. Pass --force to promote anyway.`);
  });
  if (!state.enabled) {
    throw new CliError(
      "MAINTENANCE_OFF",
      "Refusing to promote while maintenance is off: writes the API accepts during the swap would be lost; nothing was changed. Run `dbctl maintenance on` first, or pass --force to promote anyway.",
    );
  }
}

async function confirm(question: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} Type "promote" to go on: `);
  rl.close();
  if (answer.trim() !== "promote") throw new CliError("CANCELLED", "Promotion cancelled; nothing was changed.");
}
