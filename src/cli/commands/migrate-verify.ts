import { resolve } from "node:path";
import { maskUrl } from "../../env.ts";
import { readMigrations } from "../../ops/migrations/files.ts";
import { verifyMigrations } from "../../ops/migrations/verify.ts";
import { defineCommand, EXIT } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { jsonFlag, migrationsDirFlag, rollbackDirFlag, urlFlag } from "../flags.ts";
import { plural, printJson } from "../output.ts";

export const migrateVerify = defineCommand({
  path: ["migrate", "verify"],
  summary: "Prove every migration's rollback restores the schema, on a scratch database.",
  details: [
    "Creates a scratch database on the same server (the user needs CREATEDB) and, for each",
    "migration in order: fingerprints the schema from pg_catalog (tables, columns, indexes,",
    "constraints, enums, sequences, views, functions, triggers), applies the migration, applies its",
    "rollback.sql, requires the fingerprint to equal the one from before, then applies the migration",
    "again. Names the first migration that fails and prints the schema difference (- missing,",
    "+ extra). The scratch database is dropped afterwards; the target's data is never touched.",
    "One difference passes, with a note: the column order of a table whose column the migration",
    "drops (its rollback can only add the column back at the end; PostgreSQL cannot reorder columns).",
    "",
    "Exit codes: 0 every migration round-trips, 1 one does not (or an error), 2 bad usage.",
  ],
  flags: { url: urlFlag, migrationsDir: migrationsDirFlag, rollbackDir: rollbackDirFlag, json: jsonFlag },
  async run(flags, ctx) {
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
    const files = readMigrations(resolve(ctx.cwd, flags.migrationsDir));
    const log = flags.json ? undefined : ctx.stdout;
    if (log) log(`Verifying ${plural(files.length, "migration")} on a scratch database beside ${maskUrl(target.url)}`);
    const result = await verifyMigrations(target.url, files, { rollbackDir: resolve(ctx.cwd, flags.rollbackDir), ...(log && { log }) });
    if (flags.json) {
      printJson(ctx, result);
    } else if (result.ok) {
      const noted = Object.keys(result.notes ?? {}).length;
      ctx.stdout(
        noted
          ? `\nAll ${plural(result.verified.length, "migration")} round-trip: each rollback restores the schema, exactly but for the column order noted above for ${plural(noted, "migration")}.`
          : `\nAll ${plural(result.verified.length, "migration")} round-trip: each rollback restores the schema exactly.`,
      );
    } else if (result.failure) {
      // The difference is the useful part: print it in full, then the one-sentence verdict.
      ctx.stdout(`\nFAILED ${result.failure.migration}: ${result.failure.message}`);
    }
    if (!result.ok && result.failure) {
      ctx.stderr(`Migration \`${result.failure.migration}\` does not round-trip (${result.failure.stage}); see the difference above.`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
});
