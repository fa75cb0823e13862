import { randomBytes } from "node:crypto";
import type { RecoveryProvider } from "../recovery/provider.ts";
import { withConnection } from "../sql.ts";
import { MigrationError } from "./deploy.ts";
import type { MigrationFile } from "./files.ts";
import { timestamp } from "./new.ts";
import type { Blocked } from "./locks.ts";
import { migrationStatus } from "./status.ts";
import { applyTraced, withTracedConnections, type TraceFailure, type TraceOptions, type TracedMigration } from "./trace.ts";

/**
 * `dbctl migrate rehearse`: a dress rehearsal of the next deploy on a branch of the target at
 * now (a Neon branch, or a self-hosted one): its real data, its real sizes. The pending migrations
 * run there under deploy's rules, traced (trace.ts), and the branch is deleted whatever happens.
 * A statement that holds a lock blocking reads or writes for longer than the budget fails the
 * rehearsal: on production, traffic would wait that long.
 */

export interface OverBudget {
  migration: string;
  /** 1-based. */
  statement: number;
  sql: string;
  relation: string;
  mode: string;
  blocks: Blocked[];
  heldMs: number;
}

export interface RehearseResult {
  ok: boolean;
  /** The throwaway branch (absent when nothing was pending: no branch was made). */
  branch?: string;
  /** Always true unless deleting the branch failed (then it is named in `problems`). */
  deleted: boolean;
  budgetMs: number;
  migrations: TracedMigration[];
  overBudget: OverBudget[];
  failure?: TraceFailure;
  problems: string[];
}

export interface RehearseOptions extends TraceOptions {
  /** The live database's direct URL: its migration history says what is pending. */
  liveUrl: string;
  /** The database on the branch (defaults to the provider's). */
  database?: string;
  files: MigrationFile[];
  budgetMs: number;
  /** Runs once the pending migrations are known, before any branch exists (the lint gate); throwing stops it. */
  beforeApply?: (pending: MigrationFile[]) => Promise<void>;
  now?: Date;
}

export async function rehearseMigrations(provider: RecoveryProvider, options: RehearseOptions): Promise<RehearseResult> {
  const log = options.log ?? (() => {});
  const status = await withConnection(options.liveUrl, (db) => migrationStatus(db, options.files));
  const failed = status.failed[0];
  if (failed) {
    throw new MigrationError("FAILED_MIGRATIONS", `The target has a failed migration (\`${failed.name}\`), so deploy would apply nothing; resolve it first (prisma migrate resolve).`, { migration: failed.name });
  }
  const pending = new Set(status.pending);
  const todo = options.files.filter((file) => pending.has(file.name));
  const result: RehearseResult = { ok: true, deleted: true, budgetMs: options.budgetMs, migrations: [], overBudget: [], problems: [] };
  if (todo.length === 0) return result;
  await options.beforeApply?.(todo);

  const now = options.now ?? new Date();
  const branch = `rehearse-${timestamp(now)}-${randomBytes(2).toString("hex")}`;
  result.branch = branch;
  result.deleted = false;
  log(`Rehearsing ${todo.length} pending migration(s) on branch ${branch}, a copy of the target at ${now.toISOString()} ...`);
  try {
    // A day out: should this process die, Neon (or `dbctl preview prune`) removes the branch.
    await provider.createBranch(branch, { expiresAt: new Date(now.getTime() + 86_400_000) });
    const url = await provider.connectionString(branch, options.database ? { database: options.database } : {});
    const run = await withTracedConnections(url, (migrator, observer) => applyTraced(migrator, observer, todo, options));
    result.migrations = run.migrations;
    if (run.failure) result.failure = run.failure;
  } catch (error) {
    result.problems.push((error as Error).message);
  } finally {
    try {
      if ((await provider.listBranches()).some((b) => b.name === branch)) await provider.deleteBranch(branch);
      result.deleted = true;
      log(`Deleted branch ${branch}.`);
    } catch (error) {
      result.problems.push(`could not delete the rehearsal branch ${branch}: ${(error as Error).message}`);
    }
  }
  result.overBudget = overBudget(result.migrations, options.budgetMs);
  result.ok = result.problems.length === 0 && !result.failure && result.overBudget.length === 0;
  return result;
}

/** Every lock that blocks reads or writes and was held longer than the budget. */
export function overBudget(migrations: TracedMigration[], budgetMs: number): OverBudget[] {
  return migrations.flatMap((migration) =>
    migration.statements.flatMap((statement, index) =>
      statement.locks
        .filter((lock) => lock.blocks.length > 0 && lock.heldMs > budgetMs)
        .map((lock) => ({ migration: migration.name, statement: index + 1, sql: statement.sql, relation: lock.relation, mode: lock.mode, blocks: lock.blocks, heldMs: lock.heldMs })),
    ),
  );
}
