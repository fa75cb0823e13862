import { OpsError } from "../errors.ts";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** A migration folder as Prisma Migrate lays it out: `<timestamp>_<name>/migration.sql`. */
export interface MigrationFile {
  name: string;
  path: string;
  sql: string;
  /** Lower-case hex SHA-256 of the file's bytes, as Prisma records it. */
  checksum: string;
}

export const MIGRATION_NAME = /^\d{14}_[a-z0-9_]+$/;

export function checksumOf(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every migration under `dir`, sorted by folder name (which starts with its timestamp). */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new OpsError("MIGRATIONS_DIR", `The migrations folder ${dir} does not exist.`);
  const names = readdirSync(dir)
    .filter((entry) => statSync(join(dir, entry)).isDirectory())
    .sort();
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const path = join(dir, name, "migration.sql");
    if (!existsSync(path)) throw new OpsError("MIGRATIONS_DIR", `The migration folder ${name} has no migration.sql.`);
    if (!MIGRATION_NAME.test(name)) {
      throw new OpsError("MIGRATIONS_DIR", `The migration folder ${name} is not named <14-digit timestamp>_<snake_case_name>.`);
    }
    const bytes = readFileSync(path);
    migrations.push({ name, path, sql: bytes.toString("utf8"), checksum: checksumOf(bytes) });
  }
  return migrations;
}
