import { maskUrl } from "../../env.ts";
import { defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { nameSchema } from "../flags.ts";
import { printJson } from "../output.ts";
import { momentFlag, openRecovery, recoveryFlags } from "../recovery-session.ts";

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
    at: momentFlag,
    name: flag.string(nameSchema, { valueName: "<name>", description: "The new branch's name." }),
    ...recoveryFlags,
  },
  async run(flags, ctx) {
    const { provider, log, database } = await openRecovery(flags, ctx);
    log?.(`Restoring ${flags.at.toISOString()} into branch "${flags.name}" ...`);
    const branch = await provider.createBranch(flags.name, { at: flags.at });
    const url = await provider.connectionString(branch.name, database ? { database } : {});
    if (flags.json) {
      printJson(ctx, { branch, connectionString: maskUrl(url) });
    } else {
      ctx.stdout(`Branch "${branch.name}" holds the state of ${flags.at.toISOString()}.`);
      ctx.stdout(`Connect: ${maskUrl(url)}`);
      ctx.stdout(`Next: dbctl recovery verify --branch ${branch.name}`);
    }
    return EXIT.ok;
  },
});
