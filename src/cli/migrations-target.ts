import { resolve } from "node:path";
import { maskUrl } from "../env.ts";
import { readMigrations, type MigrationFile } from "../ops/migrations/files.ts";
import type { CliContext } from "./command.ts";
import { resolveDatabaseUrl } from "./database-url.ts";
import { plural } from "./output.ts";

/** What a `dbctl migrate` command starts from: the database, the migrations folder, a progress log. */
export interface MigrationsTarget {
  target: ReturnType<typeof resolveDatabaseUrl>;
  files: MigrationFile[];
  /** Progress for people, on stdout; undefined under --json, which prints only the final document. */
  log: ((line: string) => void) | undefined;
}

/** Resolves both and, for people, says which database and how many migrations, as Prisma does. */
export function openMigrations(flags: { url?: string | undefined; migrationsDir: string; json: boolean }, ctx: CliContext): MigrationsTarget {
  const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
  const files = readMigrations(resolve(ctx.cwd, flags.migrationsDir));
  const log = flags.json ? undefined : ctx.stdout;
  if (log) {
    log(`Datasource: ${maskUrl(target.url)} (from ${target.source})`);
    log(`${plural(files.length, "migration")} found in ${flags.migrationsDir}`);
  }
  return { target, files, log };
}
