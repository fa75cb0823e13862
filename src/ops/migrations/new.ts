import { OpsError } from "../errors.ts";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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
  const { migrationsDir, rollbackDir, name } = options;
  if (!/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new NewMigrationError(`The migration name "${name}" must be snake_case: lower-case letters, digits and underscores, starting with a letter.`);
  }
  if (isVagueName(name)) {
    throw new NewMigrationError(`The migration name "${name}" does not say what it changes; name the change, e.g. add_user_avatar_column (the guide: descriptive names, one logical change per migration).`);
  }
  const existing = (existsSync(migrationsDir) ? readdirSync(migrationsDir) : []).filter((entry) => MIGRATION_NAME.test(entry)).sort();
  let stamp = timestamp(options.now);
  const newest = existing.at(-1)?.slice(0, 14);
  if (newest && stamp <= newest) stamp = bump(newest);
  const folder = `${stamp}_${name}`;
  const migrationFolder = join(migrationsDir, folder);
  const rollbackFolder = join(rollbackDir, folder);
  if (existsSync(migrationFolder) || existsSync(rollbackFolder)) throw new NewMigrationError(`${folder} already exists.`);
  const migrationPath = join(migrationFolder, "migration.sql");
  const rollbackPath = join(rollbackFolder, "rollback.sql");
  const checklistPath = join(rollbackFolder, "README.md");
  if (options.dryRun) return { name: folder, migrationPath, rollbackPath, checklistPath, generated: false };

  const up = options.sql?.up ?? `-- ${folder}\n-- Write the forward migration here. One logical change per migration.\n`;
  const down =
    options.sql?.down ??
    `-- Rollback of ${folder}: undo exactly what migration.sql does, newest change first.\n-- \`dbctl migrate verify\` checks that it restores the schema.\n`;
  mkdirSync(migrationFolder, { recursive: true });
  mkdirSync(rollbackFolder, { recursive: true });
  writeFileSync(migrationPath, up);
  writeFileSync(rollbackPath, down);
  writeFileSync(checklistPath, checklist(folder, down));
  return { name: folder, migrationPath, rollbackPath, checklistPath, generated: options.sql !== undefined };
}

function bump(stamp: string): string {
  const date = new Date(Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(8, 10), +stamp.slice(10, 12), +stamp.slice(12, 14) + 1));
  return timestamp(date);
}

/** The database guide's rollback checklist, filled in as far as a tool can. */
function checklist(folder: string, down: string): string {
  return `## Migration: ${folder.slice(15)}

### Changes
- (describe what \`prisma/migrations/${folder}/migration.sql\` changes)

### Rollback SQL
\`\`\`sql
${down.trimEnd()}
\`\`\`

### Rollback Steps
1. Deploy the previous code version (the one that does not need this change).
2. Take a backup: \`dbctl backup create\` (rollback scripts can drop data).
3. Run the rollback: \`dbctl migrate rollback --to <previous migration>\` (or \`--steps 1\`); it runs
   rollback.sql and marks the migration rolled back in \`_prisma_migrations\`.
4. Check: \`dbctl migrate status\` shows this migration as pending.
`;
}
