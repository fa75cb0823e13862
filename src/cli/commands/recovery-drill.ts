import { recoveryDrill } from "../../ops/recovery/drill.ts";
import { defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { wholeNumber } from "../flags.ts";
import { printJson } from "../output.ts";
import { openRecovery, recoveryFlags } from "../recovery-session.ts";

export const recoveryDrillCommand = defineCommand({
  path: ["recovery", "drill"],
  summary: "The whole recovery loop, unattended: restore N minutes ago into a throwaway branch, verify, delete.",
  details: [
    "What the scheduled recovery-drill job runs. The throwaway branch is deleted whatever happens.",
    "A history younger than --minutes (a new database) is drilled at its newest moment. A failure",
    "here means a real recovery would fail too.",
    "",
    "Exit codes: 0 the drill passed, 1 it failed (or an error), 2 bad usage.",
  ],
  flags: {
    minutes: flag.string(wholeNumber(0, 60 * 24 * 30).default(5), { valueName: "<n>", description: "How far back to restore. Default: 5." }),
    ...recoveryFlags,
  },
  async run(flags, ctx) {
    const { provider, target, log, database } = await openRecovery(flags, ctx);
    const result = await recoveryDrill(provider, { minutesAgo: flags.minutes, liveUrl: target.url, ...(database && { database }), ...(log && { log }) });
    if (flags.json) {
      printJson(ctx, result);
    } else {
      const young = result.historyYoungerThanAsked ? ` (the newest restorable moment: the history is younger than ${flags.minutes} minutes)` : "";
      ctx.stdout(`Drill ${result.ok ? "PASSED" : "FAILED"}: restored ${result.at.toISOString()}${young} into ${result.branch}, ${result.verification?.tables.length ?? 0} tables checked, branch ${result.deleted ? "deleted" : "NOT deleted"}.`);
      for (const problem of result.problems) ctx.stdout(`problem: ${problem}`);
    }
    if (!result.ok) ctx.stderr(`The recovery drill failed: ${result.problems[0] ?? "the branch was not healthy"}.`);
    return result.ok ? EXIT.ok : EXIT.failure;
  },
});
