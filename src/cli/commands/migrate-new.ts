import { resolve } from "node:path";
import { z } from "zod";
import { createMigrationFolders, NewMigrationError } from "../../ops/migrations/new.ts";
import { CliError, defineCommand, EXIT } from "../command.ts";
import { jsonFlag, jsonSchema, migrationsDirFlag, migrationsDirSchema, rollbackDirFlag, rollbackDirSchema } from "../flags.ts";

export const migrateNew = defineCommand({
  path: ["migrate", "new"],
  summary: "Create a migration folder and its rollback folder (rollback.sql + checklist).",
  args: { usage: "<descriptive_name>", description: "what the migration does, in snake_case, e.g. add_user_avatar_column" },
  details: [
    "Creates prisma/migrations/<timestamp>_<name>/migration.sql and",
    "migrations-rollback/<timestamp>_<name>/{rollback.sql, README.md} (the guide's rollback checklist).",
    "Both SQL files start as commented stubs: write the change and its exact undo, then run",
    "`dbctl migrate verify` to prove the rollback restores the schema.",
    "",
    "Exit codes: 0 created, 1 refused (bad name, folder exists), 2 bad usage.",
  ],
  flags: { ...migrationsDirFlag, ...rollbackDirFlag, ...jsonFlag },
  schema: z.object({
    args: z.array(z.string()).length(1, "give exactly one name, e.g. `dbctl migrate new add_user_avatar_column`"),
    migrationsDir: migrationsDirSchema,
    rollbackDir: rollbackDirSchema,
    json: jsonSchema,
  }),
  async run(flags, ctx) {
    let created;
    try {
      created = createMigrationFolders({
        migrationsDir: resolve(ctx.cwd, flags.migrationsDir),
        rollbackDir: resolve(ctx.cwd, flags.rollbackDir),
        name: flags.args[0] as string,
        now: new Date(),
      });
    } catch (error) {
      if (error instanceof NewMigrationError) throw new CliError("INVALID_MIGRATION", error.message);
      throw error;
    }
    if (flags.json) {
      ctx.stdout(JSON.stringify(created, null, 2));
      return EXIT.ok;
    }
    ctx.stdout(`Created migration ${created.name}:`);
    ctx.stdout(`  ${created.migrationPath}`);
    ctx.stdout(`  ${created.rollbackPath}`);
    ctx.stdout(`  ${created.checklistPath}`);
    ctx.stdout("Both SQL files are stubs: write the change and its undo, then run `dbctl migrate verify`.");
    return EXIT.ok;
  },
});
