import { OpsError } from "../errors.ts";
import type { SqlClient } from "../sql.ts";
import { planScript } from "./execution.ts";
import type { MigrationFile } from "./files.ts";
import { isApplied, isFailed, readHistory, withMigrateLock } from "./history.ts";
import { readRollback, rollbackPath, type RollbackFile } from "./rollback-files.ts";

export class RollbackError extends OpsError {
  override name = "RollbackError";
  declare readonly code: "NOTHING_TO_ROLL_BACK" | "NOT_APPLIED" | "MISSING_ROLLBACK" | "FAILED_MIGRATIONS" | "ROLLBACK_FAILED" | "MISSING_LOCALLY";
  constructor(code: RollbackError["code"], message: string, details?: { rolledBack: string[] }) {
    super(code, message, details);
  }
}

export interface RollbackOptions {
  /** How many of the newest applied migrations to undo (default 1). */
  steps?: number;
  /** Undo every applied migration newer than this one; it stays applied. */
  to?: string;
  rollbackDir: string;
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface RollbackPlan {
  /** Newest first: the order the rollback scripts run in. */
  steps: RollbackFile[];
}

export interface RollbackResult extends RollbackPlan {
  rolledBack: string[];
  dryRun: boolean;
}

/**
 * Undoes the newest applied migrations with their rollback.sql, newest first, each in its own
 * transaction with its `_prisma_migrations` row marked `rolled_back_at` (the row is kept for the
 * audit trail; Prisma then counts the migration as not applied, and a later deploy re-applies it).
 * Everything is checked before anything runs: a missing script or an unapplied target changes
 * nothing.
 */
export async function rollbackMigrations(db: SqlClient, files: MigrationFile[], options: RollbackOptions): Promise<RollbackResult> {
  const log = options.log ?? (() => {});
  return withMigrateLock(db, async () => {
    const plan = await planRollback(db, files, options);
    if (options.dryRun) return { ...plan, rolledBack: [], dryRun: true };
    const rolledBack: string[] = [];
    for (const step of plan.steps) {
      log(`Rolling back \`${step.name}\``);
      const plan = await planScript(step.sql);
      const mark = () =>
        db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND rolled_back_at IS NULL AND finished_at IS NOT NULL`, [
          step.name,
        ]);
      const done = rolledBack.length ? ` Already rolled back: ${rolledBack.join(", ")}.` : "";
      if (plan.transactional) {
        try {
          await db.query("BEGIN");
          await db.query(step.sql);
          await mark();
          await db.query("COMMIT");
        } catch (error) {
          await db.query("ROLLBACK").catch(() => {});
          throw new RollbackError(
            "ROLLBACK_FAILED",
            `The rollback of \`${step.name}\` failed and was undone, so that migration is still applied: ${(error as Error).message}.${done}`,
            { rolledBack: [...rolledBack] },
          );
        }
      } else {
        // DROP INDEX CONCURRENTLY and the like: one statement at a time, no transaction to undo a failure.
        for (const [index, statement] of plan.statements.entries()) {
          try {
            await db.query(statement);
          } catch (error) {
            throw new RollbackError(
              "ROLLBACK_FAILED",
              `The rollback of \`${step.name}\` failed at statement ${index + 1} of ${plan.statements.length}, outside a transaction (${plan.reason}); the statements before it stay done and the migration is still marked applied: ${(error as Error).message}.${done}`,
              { rolledBack: [...rolledBack] },
            );
          }
        }
        await mark();
      }
      rolledBack.push(step.name);
    }
    return { ...plan, rolledBack, dryRun: false };
  });
}

async function planRollback(db: SqlClient, files: MigrationFile[], options: RollbackOptions): Promise<RollbackPlan> {
  const history = await readHistory(db);
  const failed = history.find(isFailed);
  if (failed) {
    throw new RollbackError(
      "FAILED_MIGRATIONS",
      `Migration \`${failed.migration_name}\` is marked failed; resolve it first (prisma migrate resolve --rolled-back ${failed.migration_name}) so the history is unambiguous.`,
    );
  }
  const applied = [...new Set(history.filter((row) => isApplied(row) && row.finished_at).map((row) => row.migration_name))].sort().reverse();
  if (applied.length === 0) throw new RollbackError("NOTHING_TO_ROLL_BACK", "No migration is applied to this database; there is nothing to roll back.");

  let names: string[];
  if (options.to !== undefined) {
    const at = applied.indexOf(options.to);
    if (at === -1) throw new RollbackError("NOT_APPLIED", `\`${options.to}\` is not an applied migration of this database, so there is no state to roll back to.`);
    names = applied.slice(0, at);
    if (names.length === 0) throw new RollbackError("NOTHING_TO_ROLL_BACK", `\`${options.to}\` is already the newest applied migration; there is nothing to roll back.`);
  } else {
    const steps = options.steps ?? 1;
    if (steps > applied.length) {
      throw new RollbackError("NOT_APPLIED", `Asked to roll back ${steps} migrations, but only ${applied.length} ${applied.length === 1 ? "is" : "are"} applied.`);
    }
    names = applied.slice(0, steps);
  }

  const onDisk = new Set(files.map((file) => file.name));
  const missingLocally = names.filter((name) => !onDisk.has(name));
  if (missingLocally.length) {
    throw new RollbackError("MISSING_LOCALLY", `Applied migration ${missingLocally.map((n) => `\`${n}\``).join(", ")} is not in the migrations folder; check out the code that added it before rolling it back.`);
  }
  const steps = names.map((name) => readRollback(options.rollbackDir, name));
  const missing = names.filter((_, i) => !steps[i]);
  if (missing.length) {
    throw new RollbackError(
      "MISSING_ROLLBACK",
      `No rollback script for ${missing.map((n) => `\`${n}\``).join(", ")} (expected ${missing.map((n) => rollbackPath(options.rollbackDir, n)).join(", ")}); nothing was rolled back.`,
    );
  }
  return { steps: steps as RollbackFile[] };
}
