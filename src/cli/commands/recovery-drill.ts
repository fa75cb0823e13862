import { z } from "zod";
import { recoveryDrill } from "../../ops/recovery/drill.ts";
import { defineCommand, EXIT } from "../command.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { openRecovery, recoveryBase, rethrow } from "./recovery-shared.ts";

export const recoveryDrillCommand = defineCommand({
  path: ["recovery", "drill"],
  summary: "The whole recovery loop, unattended: restore N minutes ago into a throwaway branch, verify, delete.",
  details: [
    "What the scheduled point-in-time-recovery check runs. The throwaway branch is deleted whatever",
    "happens. A failure here means a real recovery would fail too.",
    "",
    "Exit codes: 0 the drill passed, 1 it failed (or an error), 2 bad usage.",
  ],
  flags: { minutes: { type: "string", valueName: "<n>", description: "How far back to restore. Default: 5." }, ...urlFlag, ...jsonFlag },
  schema: z.object({ minutes: z.coerce.number().int().min(0).max(60 * 24 * 30).default(5), ...recoveryBase }),
  async run(flags, ctx) {
    const { provider, target, log, database } = await openRecovery(flags, ctx);
    const result = await recoveryDrill(provider, { minutesAgo: flags.minutes, liveUrl: target.url, ...(database && { database }), ...(log && { log }) }).catch(rethrow);
    if (flags.json) {
      ctx.stdout(JSON.stringify(result, null, 2));
    } else {
      ctx.stdout(`Drill ${result.ok ? "PASSED" : "FAILED"}: restored ${result.at.toISOString()} into ${result.branch}, ${result.verification?.tables.length ?? 0} tables checked, branch ${result.deleted ? "deleted" : "NOT deleted"}.`);
      for (const problem of result.problems) ctx.stdout(`problem: ${problem}`);
    }
    if (!result.ok) ctx.stderr(`The recovery drill failed: ${result.problems[0] ?? "the branch was not healthy"}.`);
    return result.ok ? EXIT.ok : EXIT.failure;
  },
});
