import { resolve } from "node:path";
import { createMigrationSeries } from "../../ops/migrations/new.ts";
import type { ColumnRename, TableRename } from "../../ops/migrations/rename/spec.ts";
import type { CliContext } from "../command.ts";
import { EXIT } from "../command.ts";
import { displayPath, plural, printJson } from "../output.ts";

/** `dbctl migrate new --rename-column | --rename-table`: plans the recipe, writes its migrations (or shows them). */
export async function runRenameRecipe(
  request: { column: ColumnRename; batchSize: number } | { table: TableRename },
  flags: { migrationsDir: string; rollbackDir: string; schema: string; shadowUrl?: string | undefined; dryRun: boolean; json: boolean },
  ctx: CliContext,
): Promise<number> {
  const migrationsDir = resolve(ctx.cwd, flags.migrationsDir);
  const rollbackDir = resolve(ctx.cwd, flags.rollbackDir);
  const command =
    "column" in request
      ? `dbctl migrate new --rename-column ${request.column.table}.${request.column.column}:${request.column.to}`
      : `dbctl migrate new --rename-table ${request.table.table}:${request.table.to}`;
  // Loaded only here: replaying the migrations may bring an embedded PostgreSQL along.
  const { planRename } = await import("../../ops/migrations/rename/generate.ts");
  const recipe = await planRename(request, { migrationsDir, schemaPath: resolve(ctx.cwd, flags.schema), command, ...(flags.shadowUrl && { shadowUrl: flags.shadowUrl }) });
  const created = createMigrationSeries({
    migrationsDir,
    rollbackDir,
    now: new Date(),
    dryRun: flags.dryRun,
    migrations: recipe.steps.map((step) => ({ name: step.name, sql: { up: step.up, down: step.down }, changes: step.changes, ...(step.deployAfter && { deployAfter: step.deployAfter }) })),
  });
  const migrations = created.map((c, i) => {
    const step = recipe.steps[i] as (typeof recipe.steps)[number];
    return { ...c, generated: true, summary: step.summary, ...(step.deployAfter && { deployAfter: step.deployAfter }), ...(flags.dryRun && { sql: step.up, rollbackSql: step.down }) };
  });

  if (flags.json) {
    printJson(ctx, { recipe: recipe.kind, rename: recipe.title, dryRun: flags.dryRun, migrations, plan: recipe.plan });
    return EXIT.ok;
  }
  const count = plural(migrations.length, "migration");
  ctx.stdout(flags.dryRun ? `Dry run: would create ${count} for the rename ${recipe.title} (nothing written):` : `Created ${count} for the rename ${recipe.title}:`);
  const width = Math.max(...migrations.map((m) => m.name.length));
  migrations.forEach((m, i) => ctx.stdout(`  ${String(i + 1).padStart(2)}. ${m.name.padEnd(width)}  ${m.summary}`));
  ctx.stdout(`migration.sql in ${displayPath(ctx, migrationsDir)}/<name>/, rollback.sql and the checklist README.md in ${displayPath(ctx, rollbackDir)}/<name>/.`);
  ctx.stdout("");
  ctx.stdout("Shipping it:");
  for (const line of recipe.plan) ctx.stdout(`  - ${line}`);
  if (flags.dryRun) {
    for (const m of migrations) {
      ctx.stdout("");
      ctx.stdout(`-- ${m.name}/migration.sql`);
      ctx.stdout(m.sql?.trimEnd() ?? "");
      ctx.stdout(`-- ${m.name}/rollback.sql`);
      ctx.stdout(m.rollbackSql?.trimEnd() ?? "");
    }
  } else {
    ctx.stdout("");
    ctx.stdout("Then run `dbctl migrate lint` and `dbctl migrate verify` (each step passes both as generated).");
  }
  return EXIT.ok;
}
