import { resolve } from "node:path";
import { z } from "zod";
import { readMigrations } from "../../ops/migrations/files.ts";
import { DEPLOY_DEFAULTS } from "../../ops/migrations/deploy.ts";
import { rehearseMigrations } from "../../ops/migrations/rehearse.ts";
import { defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { jsonFlag, migrationsDirFlag, urlFlag } from "../flags.ts";
import { lintGate } from "../lint-gate.ts";
import { plural, printJson } from "../output.ts";
import { openRecovery } from "../recovery-session.ts";
import { describeFailure, traceLines } from "../trace-output.ts";

const ms = z.coerce.number({ message: "must be a number of milliseconds" }).int("must be a whole number of milliseconds").min(1, "must be at least 1").max(3_600_000, "must be at most an hour");

export const migrateRehearse = defineCommand({
  path: ["migrate", "rehearse"],
  summary: "Dress rehearsal: apply the pending migrations to a branch of the target at now, measure each statement's locks on the real data, delete the branch.",
  details: [
    "Creates a branch of the target at now (a Neon branch through its API with NEON_API_KEY and",
    "NEON_PROJECT_ID, else a self-hosted branch from RECOVERY_DIR's WAL archive), applies the",
    "pending migrations there with deploy's rails (the lint gate, lock_timeout, statements that",
    "cannot run in a transaction one at a time) and measures, on production's data, each",
    "statement's time and locks as `dbctl migrate trace` reports them. The branch is deleted",
    "whatever happens (it also expires in a day, should the process die). The target is only read.",
    "",
    "It fails when a statement would hold a lock that blocks reads or writes for longer than",
    "--budget-ms: inside a transaction a lock is held until COMMIT, so its time counts from the",
    "statement that took it. Run it before a production deploy, and in the preview workflow.",
    "",
    "Exit codes: 0 every lock within budget (or nothing pending), 1 over budget, a migration",
    "failed on the branch, lint refused it, or an error; 2 bad usage.",
  ],
  flags: {
    url: urlFlag,
    migrationsDir: migrationsDirFlag,
    budgetMs: flag.string(ms.default(2_000), { valueName: "<ms>", description: "Longest a lock may block reads or writes. Default: 2000." }),
    allowUnsafe: flag.string(z.string().trim().min(10, "needs a reason of at least a few words").max(500, "must be at most 500 characters").optional(), {
      valueName: "<reason>",
      description: "Rehearse despite lint errors (to measure them); the reason is printed.",
    }),
    lockTimeout: flag.string(ms.default(DEPLOY_DEFAULTS.lockTimeoutMs), { valueName: "<ms>", description: `lock_timeout for each migration, as deploy. Default: ${DEPLOY_DEFAULTS.lockTimeoutMs}.` }),
    json: jsonFlag,
  },
  async run(flags, ctx) {
    const files = readMigrations(resolve(ctx.cwd, flags.migrationsDir));
    const { provider, target, log, database } = await openRecovery(flags, ctx);
    const result = await rehearseMigrations(provider, {
      liveUrl: target.url,
      files,
      budgetMs: flags.budgetMs,
      lockTimeoutMs: flags.lockTimeout,
      ...(database && { database }),
      ...(log && { log }),
      beforeApply: async (pending) => {
        await lintGate(files, pending, { allowUnsafe: flags.allowUnsafe, json: flags.json, ctx, log, verb: "rehearse" });
      },
    });
    const over = new Set(result.overBudget.map((o) => `${o.migration}:${o.statement}:${o.relation}:${o.mode}`));
    if (flags.json) {
      printJson(ctx, result);
    } else if (!result.branch) {
      ctx.stdout("No pending migrations to rehearse.");
    } else {
      const lines = traceLines(result.migrations, { over: (migration, statement, lock) => over.has(`${migration}:${statement}:${lock.relation}:${lock.mode}`) });
      for (const line of lines) ctx.stdout(line);
      ctx.stdout(
        `\nRehearsed ${plural(result.migrations.length, "migration")} on branch ${result.branch} (${result.deleted ? "deleted" : "NOT deleted"}): ` +
          (result.overBudget.length ? `${plural(result.overBudget.length, "lock")} over the ${flags.budgetMs} ms budget.` : `every lock that blocks traffic within the ${flags.budgetMs} ms budget.`),
      );
    }
    if (result.ok) return EXIT.ok;
    const first = result.overBudget[0];
    if (result.failure) ctx.stderr(`${describeFailure(result.failure)} (on the rehearsal branch; the target was not changed).`);
    else if (first) {
      ctx.stderr(
        `Over budget: statement ${first.statement} of \`${first.migration}\` holds ${first.mode} on ${first.relation}, blocking ${first.blocks.join(" and ")}, for ${Math.round(first.heldMs)} ms (budget ${flags.budgetMs} ms). Use the linter's safe recipe, or split the migration.`,
      );
    } else ctx.stderr(`The rehearsal failed: ${result.problems[0]}`);
    return EXIT.failure;
  },
});
