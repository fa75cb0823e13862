import { z } from "zod";
import { maskUrl } from "../../env.ts";
import { backupBeforeMigrate } from "../../ops/backup/pre-migration.ts";
import { DEPLOY_DEFAULTS, deployMigrations } from "../../ops/migrations/deploy.ts";
import type { MigrationFile } from "../../ops/migrations/files.ts";
import { withConnection, type Connection } from "../../ops/sql.ts";
import { defineCommand, EXIT, type CliContext } from "../command.ts";
import { lintGate } from "../lint-gate.ts";
import { openMigrations } from "../migrations-target.ts";
import { flag } from "../flag.ts";
import { jsonFlag, migrationsDirFlag, urlFlag, wholeNumber } from "../flags.ts";
import { plural, printJson } from "../output.ts";

const ms = z.coerce.number({ message: "must be a number of milliseconds" }).int("must be a whole number of milliseconds").min(0, "must be at least 0").max(24 * 3_600_000, "must be at most a day");

export const migrateDeploy = defineCommand({
  path: ["migrate", "deploy"],
  summary: "Apply pending migrations in order, as `prisma migrate deploy` does, with safety rails.",
  details: [
    "Takes Prisma Migrate's advisory lock, so two deploys (or dbctl and Prisma) never run at once.",
    "Each migration runs in a transaction with its _prisma_migrations mark: a failure leaves the",
    "schema as it was, records the error in the migration's row, and blocks later deploys until",
    "it is resolved (Prisma's P3009).",
    "",
    `Each migration runs with lock_timeout (default ${DEPLOY_DEFAULTS.lockTimeoutMs} ms) so it never queues all traffic behind`,
    `it; one that times out waiting for a lock is retried (default ${DEPLOY_DEFAULTS.lockRetries} times, pauses doubling).`,
    "",
    "Pending migrations are linted first (see `dbctl migrate lint`): an error refuses the deploy,",
    "applying nothing, unless --allow-unsafe \"<reason>\" is given; the reason is printed and kept",
    "in each such migration's _prisma_migrations.logs for the audit trail. Statements that cannot",
    "run in a transaction (CREATE INDEX CONCURRENTLY...) run one at a time, progress recorded.",
    "",
    "--backup takes `pg_dump -Fc` into <backup-dir>/pre_migration_<timestamp>.dump before the first",
    "migration and prints the restore command; it is on by default when APP_ENV=production",
    "(--skip-backup turns it off). No backup, no migration: a failed dump stops the deploy.",
    "",
    "A migration with a `-- dbctl:contract` line (the last step of a generated rename: it drops what",
    "the previous release of the code still uses) is held back, with everything after it, unless",
    "--contract is given: ship it in a later release than the steps before it.",
    "",
    "Exit codes: 0 applied (or nothing to apply), 1 a migration failed, was refused, or an error; 2 bad usage.",
  ],
  flags: {
    url: urlFlag,
    migrationsDir: migrationsDirFlag,
    allowUnsafe: flag.string(z.string().trim().min(10, "needs a reason of at least a few words").max(500, "must be at most 500 characters").optional(), {
      valueName: "<reason>",
      description: "Deploy despite lint errors; the reason is logged with the migrations.",
    }),
    contract: flag.boolean({ description: "Also apply contract steps (-- dbctl:contract), held back by default." }),
    backup: flag.boolean({ description: "Take a pre-migration pg_dump first (default when APP_ENV=production)." }),
    skipBackup: flag.boolean({ description: "Do not take the pre-migration backup, even in production." }),
    backupDir: flag.string(z.string().trim().min(1, "must not be empty").optional(), {
      valueName: "<dir>",
      description: "Where the pre-migration dump goes. Default: BACKUP_DIR, else backups.",
    }),
    lockTimeout: flag.string(ms.default(DEPLOY_DEFAULTS.lockTimeoutMs), {
      valueName: "<ms>",
      description: `lock_timeout for each migration. Default: ${DEPLOY_DEFAULTS.lockTimeoutMs}; 0 waits forever.`,
    }),
    statementTimeout: flag.string(ms.default(DEPLOY_DEFAULTS.statementTimeoutMs), { valueName: "<ms>", description: "statement_timeout for each migration. Default: the server's." }),
    lockRetries: flag.string(wholeNumber(0, 20).default(DEPLOY_DEFAULTS.lockRetries), { valueName: "<n>", description: `Retries after a lock timeout. Default: ${DEPLOY_DEFAULTS.lockRetries}.` }),
    json: jsonFlag,
  },
  conflicts: [["backup", "skipBackup"]],
  async run(flags, ctx) {
    const { target, files, log } = openMigrations(flags, ctx);
    const takeBackup = flags.backup || (ctx.env.APP_ENV === "production" && !flags.skipBackup);
    let backup: { path: string; restoreCommand: string } | undefined;
    const overridden = new Set<string>();

    // A ?schema= that does not exist yet is created, as Prisma does on deploy.
    const result = await withConnection(
      target.url,
      (db: Connection) =>
      deployMigrations(db, files, {
        ...(log && { log }),
        lockTimeoutMs: flags.lockTimeout,
        statementTimeoutMs: flags.statementTimeout,
        lockRetries: flags.lockRetries,
        contract: flags.contract,
        annotate: (file) => (overridden.has(file.name) ? `dbctl: deployed with lint errors, --allow-unsafe: ${flags.allowUnsafe}` : undefined),
        beforeApply: async (pending: MigrationFile[]) => {
          for (const name of await lintGate(files, pending, { allowUnsafe: flags.allowUnsafe, json: flags.json, ctx, log, verb: "deploy" })) overridden.add(name);
          if (!takeBackup) return;
          log?.(`Creating a backup before ${plural(pending.length, "pending migration")} ...`);
          backup = await backupBeforeMigrate(db, target.url, { dir: backupDir(flags.backupDir, ctx) });
          log?.(`Backup created: ${backup.path}`);
          log?.(`To roll back to it: ${backup.restoreCommand}`);
        },
      }).catch((error: unknown) => {
        // The backup was taken before the failure: say where it is, it is the way back.
        if (backup && !flags.json) ctx.stderr(`A pre-migration backup is at ${backup.path}; restore with: ${backup.restoreCommand}`);
        throw error;
      }),
      { createSchema: true },
    );
    if (flags.json) {
      printJson(ctx, { database: maskUrl(target.url), migrationsDir: flags.migrationsDir, ...result, ...(backup && { backup }) });
    } else if (result.applied.length === 0) {
      ctx.stdout(result.heldBack.length ? `No migration applied: ${plural(result.heldBack.length, "pending migration")} held back from ${result.heldBack[0]} on (a contract step; --contract applies it).` : "No pending migrations to apply.");
    } else {
      ctx.stdout(`\nThe following ${plural(result.applied.length, "migration")} ${result.applied.length === 1 ? "has" : "have"} been applied:`);
      for (const name of result.applied) ctx.stdout(`  ${name}`);
      ctx.stdout(result.heldBack.length ? `\nHeld back ${plural(result.heldBack.length, "migration")} from ${result.heldBack[0]} on: a contract step, for a later release (--contract).` : "\nAll migrations have been successfully applied.");
    }
    return EXIT.ok;
  },
});

function backupDir(flag: string | undefined, ctx: CliContext): string {
  const dir = flag ?? (ctx.env.BACKUP_DIR?.trim() || "backups");
  return dir.startsWith("/") ? dir : `${ctx.cwd}/${dir}`;
}
