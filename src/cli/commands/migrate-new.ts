import { resolve } from "node:path";
import { z } from "zod";
import { createMigrationFolders, type GeneratedSql } from "../../ops/migrations/new.ts";
import { columnRenameSchema, tableRenameSchema } from "../../ops/migrations/rename/spec.ts";
import { defineCommand, EXIT, usageError } from "../command.ts";
import { flag } from "../flag.ts";
import { jsonFlag, migrationsDirFlag, rollbackDirFlag, wholeNumber } from "../flags.ts";
import { printJson } from "../output.ts";
import { runRenameRecipe } from "./migrate-new-rename.ts";

const ONE_NAME = "give exactly one name, e.g. `dbctl migrate new add_user_avatar_column`";
const DEFAULT_BATCH_SIZE = 1000;

export const migrateNew = defineCommand({
  path: ["migrate", "new"],
  summary: "Create a migration folder and its rollback folder (rollback.sql + checklist), or a rename's multi-step recipe.",
  args: {
    usage: "<descriptive_name>",
    description: "what the migration does, in snake_case, e.g. add_user_avatar_column (none with --rename-column/--rename-table)",
    schema: z
      .array(z.string())
      .max(1, ONE_NAME)
      .transform((names) => names[0]),
  },
  details: [
    "Creates prisma/migrations/<timestamp>_<name>/migration.sql and",
    "migrations-rollback/<timestamp>_<name>/{rollback.sql, README.md} (the guide's rollback checklist).",
    "migration.sql is Prisma Migrate's diff from the migrations' end state to prisma/schema.prisma,",
    "rollback.sql the reverse diff (Prisma's engine runs offline here; replaying the migrations uses",
    "a throwaway embedded PostgreSQL, or --shadow-url). When the schema has not changed, or with",
    "--stub, both start as commented stubs for a hand-written migration. Review both, then run",
    "`dbctl migrate verify` to prove the rollback restores the schema.",
    "",
    "--rename-column Note.title:heading writes the guide's multi-step rename as consecutive",
    "migrations, each with its rollback and checklist, each passing `dbctl migrate lint`: add the new",
    "column with a trigger that copies the old column's writes into it; backfill it in batches (a DO",
    "block that COMMITs between batches, run outside a transaction); when the old column is NOT NULL,",
    "a CHECK ... NOT VALID, its VALIDATE, then SET NOT NULL; each index of the old column built",
    "CONCURRENTLY on the new one; and last, the drop of the old column, marked to deploy only once no",
    "running code reads it. The column's type, nullability, default and indexes are read from",
    "pg_catalog after replaying the migrations (throwaway embedded PostgreSQL, or --shadow-url).",
    "--rename-table Note:Memo: rename the table and leave an updatable view with the old name in",
    "the same migration; drop the view in a later one, marked the same way.",
    "",
    "Exit codes: 0 created, 1 refused (bad name, folder exists, a rename the recipe does not cover),",
    "2 bad usage.",
  ],
  flags: {
    schema: flag.string(z.string().trim().min(1, "must not be empty").default("prisma/schema.prisma"), {
      valueName: "<file>",
      description: "The Prisma schema to diff against (and to map model/field names with). Default: prisma/schema.prisma.",
    }),
    stub: flag.boolean({ description: "Write commented stubs; do not ask Prisma for the SQL." }),
    renameColumn: flag.string(columnRenameSchema.optional(), {
      valueName: "<Model|Table>.<column>:<new>",
      description: "Write the multi-step column rename recipe (e.g. Note.title:heading) instead of one migration.",
    }),
    renameTable: flag.string(tableRenameSchema.optional(), {
      valueName: "<Model|Table>:<New>",
      description: "Write the table rename recipe (rename + a view with the old name, later drop the view).",
    }),
    batchSize: flag.string(wholeNumber(1, 1_000_000).optional(), {
      valueName: "<rows>",
      description: `Rows per committed batch of the rename's backfill. Default: ${DEFAULT_BATCH_SIZE}.`,
    }),
    shadowUrl: flag.string(z.string().trim().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL").optional(), {
      valueName: "<url>",
      description: "A server where the migrations may be replayed (default: a throwaway embedded one).",
    }),
    dryRun: flag.boolean({ description: "Print what would be created, with its SQL; write nothing." }),
    migrationsDir: migrationsDirFlag,
    rollbackDir: rollbackDirFlag,
    json: jsonFlag,
  },
  conflicts: [
    ["renameColumn", "renameTable"],
    ["stub", "renameColumn"],
    ["stub", "renameTable"],
  ],
  async run(flags, ctx) {
    const name = flags.args;
    if (flags.renameColumn || flags.renameTable) {
      if (name !== undefined) {
        throw usageError(`Invalid arguments for \`dbctl migrate new\`: --rename-${flags.renameColumn ? "column" : "table"} names its migrations itself, so give no name ("${name}").`);
      }
      if (flags.batchSize !== undefined && !flags.renameColumn) throw usageError("Invalid --batch-size for `dbctl migrate new`: it sizes the backfill of --rename-column only.");
      const request = flags.renameColumn ? { column: flags.renameColumn, batchSize: flags.batchSize ?? DEFAULT_BATCH_SIZE } : { table: flags.renameTable as NonNullable<typeof flags.renameTable> };
      return runRenameRecipe(request, flags, ctx);
    }
    if (name === undefined) throw usageError(`Invalid arguments for \`dbctl migrate new\`: ${ONE_NAME} (or --rename-column / --rename-table).`);
    if (flags.batchSize !== undefined) throw usageError("Invalid --batch-size for `dbctl migrate new`: it sizes the backfill of --rename-column only.");

    const migrationsDir = resolve(ctx.cwd, flags.migrationsDir);
    const rollbackDir = resolve(ctx.cwd, flags.rollbackDir);
    // The name is checked before Prisma is asked anything.
    createMigrationFolders({ migrationsDir, rollbackDir, name, now: new Date(), dryRun: true });
    let sql: GeneratedSql | undefined;
    let note = "";
    if (flags.stub) {
      note = "Wrote commented stubs (--stub).";
    } else {
      try {
        // Loaded only here: it brings Prisma's CLI and an embedded PostgreSQL along.
        const { generateMigrationSql } = await import("../../ops/prisma-engine/migration-sql.ts");
        sql = await generateMigrationSql({ schema: resolve(ctx.cwd, flags.schema), migrationsDir, cwd: ctx.cwd, ...(flags.shadowUrl && { databaseUrl: flags.shadowUrl }) });
        note = sql ? "SQL generated by Prisma Migrate from the schema change; review it before committing." : `${flags.schema} has no change since the last migration: wrote commented stubs for a hand-written migration.`;
      } catch (error) {
        note = `Could not ask Prisma for the SQL (${(error as Error).message}); wrote commented stubs instead.`;
      }
    }
    if (flags.dryRun) note = note.replace(/^Wrote|; wrote|: wrote/, (m) => m.replace(/[Ww]rote/, "would write"));
    const created = createMigrationFolders({ migrationsDir, rollbackDir, name, now: new Date(), dryRun: flags.dryRun, ...(sql && { sql }) });
    if (flags.json) {
      printJson(ctx, { ...created, generated: sql !== undefined, dryRun: flags.dryRun, note, ...(flags.dryRun && sql && { sql: sql.up, rollbackSql: sql.down }) });
      return EXIT.ok;
    }
    ctx.stdout(`${flags.dryRun ? "Dry run: would create" : "Created"} migration ${created.name}:`);
    ctx.stdout(`  ${created.migrationPath}`);
    ctx.stdout(`  ${created.rollbackPath}`);
    ctx.stdout(`  ${created.checklistPath}`);
    ctx.stdout(note);
    if (flags.dryRun && sql) ctx.stdout(`\n-- migration.sql\n${sql.up.trimEnd()}\n-- rollback.sql\n${sql.down.trimEnd()}`);
    if (!flags.dryRun) ctx.stdout("Then run `dbctl migrate verify` to prove the rollback restores the schema.");
    return EXIT.ok;
  },
});
