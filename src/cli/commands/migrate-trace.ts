import { traceMigrations } from "../../ops/migrations/trace.ts";
import { defineCommand, EXIT } from "../command.ts";
import { jsonFlag, migrationsDirFlag, urlFlag } from "../flags.ts";
import { openMigrations } from "../migrations-target.ts";
import { plural, printJson } from "../output.ts";
import { describeFailure, traceLines } from "../trace-output.ts";

export const migrateTrace = defineCommand({
  path: ["migrate", "trace"],
  summary: "Apply the pending migrations to a scratch copy of the schema and report the locks each statement takes.",
  details: [
    "Copies the target's schema (pg_dump -s, no rows) into a scratch database on the same server",
    "(the user needs CREATEDB) and applies the pending migrations there under deploy's rules: each",
    "in one transaction with its lock_timeout, or statement by statement when it holds one that",
    "cannot run in a transaction. A second connection watches pg_locks while each statement runs",
    "and reports, per statement, its time and every lock it took: the relation, the mode, and what",
    "that mode blocks (reads, writes, or neither). Inside a transaction a lock is held until COMMIT,",
    "so its time counts from the statement that took it. Locks on relations the migration creates",
    "are left out: nobody else sees them before it commits. The target is only read; the scratch",
    "database is dropped afterwards. On real data, see `dbctl migrate rehearse`.",
    "",
    "JSON: { ok, database, scratchDatabase, migrations: [{ name, transactional, durationMs,",
    "statements: [{ sql, durationMs, locks: [{ relation, mode, blocks, heldMs }], error? }] }], failure? }",
    "",
    "Exit codes: 0 traced (or nothing pending), 1 a migration fails on the target's schema (or an error), 2 bad usage.",
  ],
  flags: { url: urlFlag, migrationsDir: migrationsDirFlag, json: jsonFlag },
  async run(flags, ctx) {
    const { target, files, log } = openMigrations(flags, ctx);
    const report = await traceMigrations(target.url, files, { ...(log && { log }) });
    if (flags.json) {
      printJson(ctx, report);
    } else if (report.migrations.length === 0 && !report.failure) {
      ctx.stdout("No pending migrations to trace.");
    } else {
      for (const line of traceLines(report.migrations)) ctx.stdout(line);
      if (report.ok) ctx.stdout(`\nTraced ${plural(report.migrations.length, "pending migration")} on ${report.scratchDatabase} (dropped); ${report.database} was not changed.`);
    }
    if (report.failure) {
      ctx.stderr(`${describeFailure(report.failure)} (on a copy of the target's schema; the target was not changed).`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
});
