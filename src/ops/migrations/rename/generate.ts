import { existsSync, readFileSync } from "node:fs";
import { readMigrations } from "../files.ts";
import { readColumnFacts, readTableFacts } from "./catalog.ts";
import { columnRenameRecipe } from "./column-recipe.ts";
import type { Recipe } from "./recipe.ts";
import { withReplayedMigrations } from "./replay.ts";
import type { ColumnRename, TableRename } from "./spec.ts";
import { tableRenameRecipe } from "./table-recipe.ts";

export { RenameRefusedError } from "./catalog.ts";
export type { Recipe, RecipeStep } from "./recipe.ts";

export type RenameRequest = { column: ColumnRename; batchSize: number } | { table: TableRename };

/**
 * Works out a rename recipe from the schema the migrations build: they are replayed on a
 * throwaway database (`shadowUrl`'s server, or an embedded one) and the table's or column's type,
 * nullability, default and indexes are read from pg_catalog there. Writes nothing; throws
 * RenameRefusedError for a rename the recipes do not cover.
 */
export async function planRename(request: RenameRequest, options: { migrationsDir: string; schemaPath?: string; shadowUrl?: string; command: string }): Promise<Recipe> {
  const files = readMigrations(options.migrationsDir);
  const prismaSchema = options.schemaPath && existsSync(options.schemaPath) ? readFileSync(options.schemaPath, "utf8") : undefined;
  return withReplayedMigrations(files, options.shadowUrl ? { shadowUrl: options.shadowUrl } : {}, async (db) => {
    if ("column" in request) {
      const facts = await readColumnFacts(db, request.column, prismaSchema);
      return columnRenameRecipe(facts, { batchSize: request.batchSize, command: options.command });
    }
    return tableRenameRecipe(await readTableFacts(db, request.table, prismaSchema), { command: options.command });
  });
}
