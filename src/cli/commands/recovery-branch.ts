import { z } from "zod";
import { defineCommand, EXIT } from "../command.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { maskUrl, momentSchema, openRecovery, recoveryBase, rethrow } from "./recovery-shared.ts";

export const recoveryBranch = defineCommand({
  path: ["recovery", "branch"],
  summary: "Restore the state at a moment into a new branch, to inspect it (the live database is untouched).",
  details: [
    "The disaster recovery plan's \"identify the last good state\": --at is an ISO 8601 time or a",
    "time ago (15m, 2h); it must lie in `dbctl recovery window`. Prints the branch's connection",
    "string (password masked) for inspection; `dbctl recovery verify --branch <name>` compares it",
    "with the live database, `dbctl recovery promote --branch <name>` makes its moment live.",
    "",
    "Exit codes: 0 created, 1 refused (outside the window, name taken) or an error, 2 bad usage.",
  ],
  flags: {
    at: { type: "string", valueName: "<time>", description: "The moment to restore: ISO 8601, or a time ago (15m, 2h, 1d)." },
    name: { type: "string", valueName: "<name>", description: "The new branch's name." },
    ...urlFlag,
    ...jsonFlag,
  },
  schema: z.object({ at: momentSchema, name: z.string().trim().min(1), ...recoveryBase }),
  async run(flags, ctx) {
    const { provider, log, database } = await openRecovery(flags, ctx);
    log?.(`Restoring ${flags.at.toISOString()} into branch "${flags.name}" ...`);
    const branch = await provider.createBranch(flags.name, { at: flags.at }).catch(rethrow);
    const url = await provider.connectionString(branch.name, database ? { database } : {}).catch(rethrow);
    if (flags.json) {
      ctx.stdout(JSON.stringify({ branch, connectionString: maskUrl(url) }, null, 2));
    } else {
      ctx.stdout(`Branch "${branch.name}" holds the state of ${flags.at.toISOString()}.`);
      ctx.stdout(`Connect: ${maskUrl(url)}`);
      ctx.stdout(`Next: dbctl recovery verify --branch ${branch.name}`);
    }
    return EXIT.ok;
  },
});
