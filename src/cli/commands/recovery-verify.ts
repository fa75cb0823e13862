import { verifyBranch } from "../../ops/recovery/verify.ts";
import { defineCommand, EXIT } from "../command.ts";
import { printJson } from "../output.ts";
import { branchFlag, openRecoveryBranch, recoveryFlags } from "../recovery-session.ts";

export const recoveryVerify = defineCommand({
  path: ["recovery", "verify"],
  summary: "Check a restored branch: row counts against the live database, migrations, readiness.",
  details: [
    "The disaster recovery plan's \"verify recovery\": connects to the branch, compares each table's",
    "row count with the live database (differences are listed: a branch of an earlier moment is",
    "expected to differ), checks _prisma_migrations has no failed row, and runs the app's readiness",
    "query on it.",
    "",
    "Exit codes: 0 the branch is healthy, 1 it is not (or an error), 2 bad usage.",
  ],
  flags: { branch: branchFlag("The branch to check."), ...recoveryFlags },
  async run(flags, ctx) {
    const { provider, target, database } = await openRecoveryBranch(flags, ctx);
    const url = await provider.connectionString(flags.branch, database ? { database } : {});
    const result = await verifyBranch(url, target.url);
    if (flags.json) {
      printJson(ctx, { branch: flags.branch, ...result });
    } else {
      const width = Math.max(5, ...result.tables.map((t) => t.table.length));
      ctx.stdout(`${"table".padEnd(width)}  ${"live".padStart(10)}  ${"branch".padStart(10)}`);
      for (const t of result.tables) {
        const mark = t.live === t.branch ? "" : "  <- differs";
        ctx.stdout(`${t.table.padEnd(width)}  ${String(t.live ?? "-").padStart(10)}  ${String(t.branch ?? "-").padStart(10)}${mark}`);
      }
      ctx.stdout(`\nMigrations applied on the branch: ${result.appliedMigrations.length}; failed: ${result.failedMigrations.length}`);
      ctx.stdout(`Readiness query: ${result.ready ? "answers" : "FAILS"}`);
      for (const problem of result.problems) ctx.stdout(`problem: ${problem}`);
      ctx.stdout(result.healthy ? `\nBranch "${flags.branch}" is healthy.` : `\nBranch "${flags.branch}" is NOT healthy.`);
    }
    if (!result.healthy) ctx.stderr(`Branch "${flags.branch}" failed verification: ${result.problems[0] ?? "see above"}.`);
    return result.healthy ? EXIT.ok : EXIT.failure;
  },
});
