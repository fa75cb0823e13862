import { z } from "zod";
import { maskUrl } from "../../env.ts";
import { deployMigrations } from "../../ops/migrations/deploy.ts";
import { defineCommand, EXIT } from "../command.ts";
import { loadMigrations, plural, withConnection } from "../connection.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { directUrlSchema, jsonFlag, jsonSchema, migrationsDirFlag, migrationsDirSchema, urlFlag } from "../flags.ts";

export const migrateDeploy = defineCommand({
  path: ["migrate", "deploy"],
  summary: "Apply pending migrations in order, as `prisma migrate deploy` does.",
  details: [
    "Takes Prisma Migrate's advisory lock, so two deploys (or dbctl and Prisma) never run at once.",
    "Each migration runs in a transaction with its _prisma_migrations mark: a failure leaves the",
    "schema as it was, records the error in the migration's row, and blocks later deploys until",
    "it is resolved (Prisma's P3009).",
    "",
    "Exit codes: 0 applied (or nothing to apply), 1 a migration failed or an error, 2 bad usage.",
  ],
  flags: { ...urlFlag, ...migrationsDirFlag, ...jsonFlag },
  schema: z.object({ url: directUrlSchema.optional(), migrationsDir: migrationsDirSchema, json: jsonSchema }),
  async run(flags, ctx) {
    const target = resolveDatabaseUrl(flags.url, ctx.env);
    const files = loadMigrations(ctx, flags.migrationsDir);
    // Progress is for people; --json prints only the final document.
    const log = flags.json ? undefined : ctx.stdout;
    if (log) {
      if (target.warning) ctx.stderr(`warning: ${target.warning}`);
      log(`Datasource: ${maskUrl(target.url)} (from ${target.source})`);
      log(`${plural(files.length, "migration")} found in ${flags.migrationsDir}`);
    }
    // A ?schema= that does not exist yet is created, as Prisma does on deploy.
    const result = await withConnection(target.url, { createSchema: true }, (db) => deployMigrations(db, files, log ? { log } : {}));
    if (flags.json) {
      ctx.stdout(JSON.stringify({ database: maskUrl(target.url), migrationsDir: flags.migrationsDir, ...result }, null, 2));
    } else if (result.applied.length === 0) {
      ctx.stdout("No pending migrations to apply.");
    } else {
      ctx.stdout(`\nThe following ${plural(result.applied.length, "migration")} ${result.applied.length === 1 ? "has" : "have"} been applied:`);
      for (const name of result.applied) ctx.stdout(`  ${name}`);
      ctx.stdout("\nAll migrations have been successfully applied.");
    }
    return EXIT.ok;
  },
});
