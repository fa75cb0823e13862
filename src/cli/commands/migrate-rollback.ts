import { resolve } from "node:path";
import { maskUrl } from "../../env.ts";
import { rollbackMigrations } from "../../ops/migrations/rollback.ts";
import { withConnection } from "../../ops/sql.ts";
import { defineCommand, EXIT } from "../command.ts";
import { openMigrations } from "../migrations-target.ts";
import { flag } from "../flag.ts";
import { jsonFlag, migrationsDirFlag, nameSchema, rollbackDirFlag, urlFlag, wholeNumber } from "../flags.ts";
import { plural, printJson } from "../output.ts";

export const migrateRollback = defineCommand({
  path: ["migrate", "rollback"],
  summary: "Undo the newest applied migrations with their rollback.sql, newest first.",
  details: [
    "Runs migrations-rollback/<name>/rollback.sql for each migration to undo, newest first, each in",
    "its own transaction together with its _prisma_migrations row's rolled_back_at mark. The rows",
    "stay for the audit trail; Prisma then counts those migrations as not applied, and the next",
    "`migrate deploy` applies them again.",
    "",
    "Refuses, changing nothing, when a rollback.sql is missing, a migration is not applied, or a",
    "failed migration is waiting to be resolved. --dry-run prints the plan and the SQL.",
    "Rollback scripts usually destroy data (a dropped column is gone): take a backup first.",
    "",
    "Exit codes: 0 rolled back (or planned, with --dry-run), 1 refused or failed, 2 bad usage.",
  ],
  flags: {
    steps: flag.string(wholeNumber(1, 1000).optional(), { valueName: "<n>", description: "How many of the newest applied migrations to undo. Default: 1." }),
    to: flag.string(nameSchema.optional(), { valueName: "<name>", description: "Undo every applied migration newer than <name>; <name> stays applied." }),
    dryRun: flag.boolean({ description: "Print the plan and the SQL; change nothing." }),
    url: urlFlag,
    migrationsDir: migrationsDirFlag,
    rollbackDir: rollbackDirFlag,
    json: jsonFlag,
  },
  conflicts: [["steps", "to"]],
  async run(flags, ctx) {
    const { target, files, log } = openMigrations(flags, ctx);
    const result = await withConnection(target.url, (db) =>
      rollbackMigrations(db, files, {
        ...(flags.steps !== undefined && { steps: flags.steps }),
        ...(flags.to !== undefined && { to: flags.to }),
        rollbackDir: resolve(ctx.cwd, flags.rollbackDir),
        dryRun: flags.dryRun,
        ...(log && { log }),
      }),
    );
    if (flags.json) {
      printJson(ctx, { database: maskUrl(target.url), dryRun: result.dryRun, plan: result.steps.map((s) => ({ name: s.name, sql: s.sql })), rolledBack: result.rolledBack });
      return EXIT.ok;
    }
    if (result.dryRun) {
      ctx.stdout(`Dry run: would roll back ${plural(result.steps.length, "migration")}, newest first. Nothing was changed.`);
      for (const step of result.steps) ctx.stdout(`\n-- ${step.name} (${step.path})\n${step.sql.trimEnd()}`);
      return EXIT.ok;
    }
    ctx.stdout(`\nRolled back ${plural(result.rolledBack.length, "migration")}:`);
    for (const name of result.rolledBack) ctx.stdout(`  ${name}`);
    ctx.stdout("\nRun `dbctl migrate deploy` to apply them again.");
    return EXIT.ok;
  },
});
