import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** `migrations-rollback/<migration name>/rollback.sql`, beside the migrations it undoes. */
export const DEFAULT_ROLLBACK_DIR = "migrations-rollback";

export interface RollbackFile {
  name: string;
  path: string;
  sql: string;
}

export function rollbackPath(dir: string, name: string): string {
  return join(dir, name, "rollback.sql");
}

export function readRollback(dir: string, name: string): RollbackFile | undefined {
  const path = rollbackPath(dir, name);
  if (!existsSync(path)) return undefined;
  return { name, path, sql: readFileSync(path, "utf8") };
}

/** Migrations that have no rollback script: CI fails on any. */
export function missingRollbacks(dir: string, names: readonly string[]): string[] {
  return names.filter((name) => !existsSync(rollbackPath(dir, name)));
}
