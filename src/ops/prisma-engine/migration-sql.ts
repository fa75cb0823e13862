import { runProcess } from "../process.ts";
import { withServer } from "../embedded/postgres.ts";
import type { GeneratedSql } from "../migrations/new.ts";
import { ENGINE_BINARY, PRISMA_CLI } from "./drift-check.ts";

/**
 * Asks Prisma Migrate (through our offline engine) what a new migration must do: the forward
 * SQL from the migrations' end state to schema.prisma, and the reverse diff as its rollback.
 * Replaying migrations needs a server for the shadow database: the one given, or a throwaway
 * embedded one. Answers undefined when the schema has no change since the last migration.
 */
export function generateMigrationSql(options: { schema: string; migrationsDir: string; databaseUrl?: string; cwd: string }): Promise<GeneratedSql | undefined> {
  return withServer(options.databaseUrl, "prisma-diff", async (databaseUrl) => {
    const diff = (args: string[]) => prismaScript(["migrate", "diff", ...args, "--script"], databaseUrl, options.cwd);
    const up = await diff(["--from-migrations", options.migrationsDir, "--to-schema", options.schema]);
    if (isEmptyMigration(up)) return undefined;
    const down = await diff(["--from-schema", options.schema, "--to-migrations", options.migrationsDir]);
    return { up, down };
  });
}

const isEmptyMigration = (sql: string) => sql.replace(/--.*$/gm, "").trim() === "";

async function prismaScript(args: string[], databaseUrl: string, cwd: string): Promise<string> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, DIRECT_URL: databaseUrl, PRISMA_SCHEMA_ENGINE_BINARY: ENGINE_BINARY, CHECKPOINT_DISABLE: "1", NO_COLOR: "1" };
  const run = await runProcess(process.execPath, [PRISMA_CLI, ...args], { cwd, env });
  if (run.code === 0) return run.stdout;
  throw new Error(`prisma ${args.slice(0, 2).join(" ")} failed: ${run.stderr.trim().split("\n").slice(-2).join(" ") || `exit ${run.code}`}`);
}
