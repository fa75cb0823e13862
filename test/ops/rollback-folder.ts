import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { readMigrations, type MigrationFile } from "../../src/ops/migrations/files.ts";

/**
 * A throwaway project: a migrations folder and its rollback folder, written by the test.
 * Removed when the test file ends. Call at module level (hooks inside hooks may not run).
 */
export interface Project {
  migrationsDir: string;
  rollbackDir: string;
  add(name: string, up: string, down?: string): void;
  files(): MigrationFile[];
}

export function tempProject(): Project {
  const root = mkdtempSync(join(tmpdir(), "project-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const migrationsDir = join(root, "migrations");
  const rollbackDir = join(root, "rollback");
  mkdirSync(migrationsDir);
  mkdirSync(rollbackDir);
  return {
    migrationsDir,
    rollbackDir,
    add(name, up, down) {
      mkdirSync(join(migrationsDir, name), { recursive: true });
      writeFileSync(join(migrationsDir, name, "migration.sql"), up);
      if (down !== undefined) {
        mkdirSync(join(rollbackDir, name), { recursive: true });
        writeFileSync(join(rollbackDir, name, "rollback.sql"), down);
      }
    },
    files: () => readMigrations(migrationsDir),
  };
}
