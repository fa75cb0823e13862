import { OpsError } from "../errors.ts";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checklist } from "./checklist.ts";
import { MIGRATION_NAME } from "./files.ts";
import { isVagueName } from "./lint/migration-rules.ts";

/** SQL for a new migration and its rollback, when something (Prisma's engine) can work it out. */
export interface GeneratedSql {
  up: string;
  down: string;
}

export interface NewMigration {
  name: string;
  migrationPath: string;
  rollbackPath: string;
  checklistPath: string;
  generated: boolean;
}

/** A migration name or folder `dbctl migrate new` refuses; nothing was created. */
export class NewMigrationError extends OpsError {
  override name = "NewMigrationError";
  constructor(message: string) {
    super("INVALID_MIGRATION", message);
  }
}

/** UTC `YYYYMMDDHHMMSS`, as Prisma Migrate names folders. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * Creates `prisma/migrations/<ts>_<name>/migration.sql` and `migrations-rollback/<ts>_<name>/`
 * with rollback.sql and the guide's rollback checklist. The timestamp is now, or one second after
 * the newest migration when the clock is behind it, so folders always sort in creation order.
 */
export function createMigrationFolders(options: {
  migrationsDir: string;
  rollbackDir: string;
  name: string;
  now: Date;
  sql?: GeneratedSql;
  /** Check the name and the folders, write nothing. */
  dryRun?: boolean;
}): NewMigration {
  const [created] = createMigrationSeries({ ...options, migrations: [{ name: options.name, ...(options.sql && { sql: options.sql }) }] });
  return created as NewMigration;
}

/** One migration of a series: its name, SQL, and what its checklist says. */
export interface SeriesMigration {
  name: string;
  sql?: GeneratedSql;
  /** The checklist's "Changes" bullets. */
  changes?: readonly string[];
  /** When to deploy it, for a migration that must wait for a code deploy. */
  deployAfter?: string;
}

/**
 * Creates consecutive migrations (a rename recipe's steps): timestamps one second apart, in
 * order, after every existing migration. Every name and folder is checked before anything is
 * written, so a refused series leaves no folder behind.
 */
export function createMigrationSeries(options: {
  migrationsDir: string;
  rollbackDir: string;
  migrations: readonly SeriesMigration[];
  now: Date;
  dryRun?: boolean;
}): NewMigration[] {
  const { migrationsDir, rollbackDir } = options;
  for (const { name } of options.migrations) checkName(name);
  const existing = (existsSync(migrationsDir) ? readdirSync(migrationsDir) : []).filter((entry) => MIGRATION_NAME.test(entry)).sort();
  let stamp = timestamp(options.now);
  const newest = existing.at(-1)?.slice(0, 14);
  if (newest && stamp <= newest) stamp = bump(newest);
  const planned = options.migrations.map((migration, index) => {
    if (index > 0) stamp = bump(stamp);
    const folder = `${stamp}_${migration.name}`;
    const migrationFolder = join(migrationsDir, folder);
    const rollbackFolder = join(rollbackDir, folder);
    if (existsSync(migrationFolder) || existsSync(rollbackFolder)) throw new NewMigrationError(`${folder} already exists.`);
    return { migration, folder, migrationFolder, rollbackFolder };
  });
  const created: NewMigration[] = [];
  for (const { migration, folder, migrationFolder, rollbackFolder } of planned) {
    const migrationPath = join(migrationFolder, "migration.sql");
    const rollbackPath = join(rollbackFolder, "rollback.sql");
    const checklistPath = join(rollbackFolder, "README.md");
    created.push({ name: folder, migrationPath, rollbackPath, checklistPath, generated: migration.sql !== undefined });
    if (options.dryRun) continue;
    const up = migration.sql?.up ?? `-- ${folder}\n-- Write the forward migration here. One logical change per migration.\n`;
    const down =
      migration.sql?.down ??
      `-- Rollback of ${folder}: undo exactly what migration.sql does, newest change first.\n-- \`dbctl migrate verify\` checks that it restores the schema.\n`;
    mkdirSync(migrationFolder, { recursive: true });
    mkdirSync(rollbackFolder, { recursive: true });
    writeFileSync(migrationPath, up);
    writeFileSync(rollbackPath, down);
    writeFileSync(checklistPath, checklist(folder, down, { ...(migration.changes && { changes: migration.changes }), ...(migration.deployAfter && { deployAfter: migration.deployAfter }) }));
  }
  if (options.dryRun) return created.map((c) => ({ ...c, generated: false }));
  return created;
}

function checkName(name: string) {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new NewMigrationError(`The migration name "${name}" must be snake_case: lower-case letters, digits and underscores, starting with a letter.`);
  }
  if (isVagueName(name)) {
    throw new NewMigrationError(`The migration name "${name}" does not say what it changes; name the change, e.g. add_user_avatar_column (the guide: descriptive names, one logical change per migration).`);
  }
}

function bump(stamp: string): string {
  const date = new Date(Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8, 10), +stamp.slice(10, 12), +stamp.slice(12, 14) + 1));
  return timestamp(date);
}
