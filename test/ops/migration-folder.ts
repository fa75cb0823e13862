import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * A throwaway Prisma Migrate folder a test writes by hand, for the cases the real migrations
 * cannot show (a failing script, an edited file). Removed when the test file ends.
 */
export interface MigrationFolder {
  dir: string;
  /** Writes (or overwrites) `<name>/migration.sql`. */
  write(name: string, sql: string): string;
  remove(name: string): void;
}

export function migrationFolder(): MigrationFolder {
  const dir = mkdtempSync(join(tmpdir(), "migrations-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, sql) {
      mkdirSync(join(dir, name), { recursive: true });
      const path = join(dir, name, "migration.sql");
      writeFileSync(path, sql);
      return path;
    },
    remove(name) {
      rmSync(join(dir, name), { recursive: true, force: true });
    },
  };
}
