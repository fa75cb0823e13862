import { OpsError } from "../errors.ts";
import { randomUUID } from "node:crypto";
import type { SqlClient } from "../sql.ts";
import { planScript } from "./execution.ts";
import type { MigrationFile } from "./files.ts";
import { CREATE_MIGRATIONS_TABLE, withMigrateLock } from "./history.ts";
import { migrationStatus, type MigrationStatus } from "./status.ts";

export class MigrationError extends OpsError {
  override name = "MigrationError";
  declare readonly code: "FAILED_MIGRATIONS" | "MIGRATION_FAILED" | "LOCK_TIMEOUT" | "DEPLOY_REFUSED";
  constructor(code: MigrationError["code"], message: string, details: { migration: string }) {
    super(code, message, details);
  }
}

export interface DeployResult {
  applied: string[];
  /**
   * Pending migrations not applied because the first of them is a contract step (it removes what
   * the previous release of the code still uses) and `contract` was not set: it and everything after it.
   */
  heldBack: string[];
  /** Applied migrations whose file changed since: reported, never re-run. */
  modified: MigrationStatus["modified"];
}

export interface DeployOptions {
  log?: (line: string) => void;
  /** SET lock_timeout for each migration: waiting behind a long query must not stall all traffic. */
  lockTimeoutMs?: number;
  /** SET statement_timeout for each migration; 0 leaves the server's setting. */
  statementTimeoutMs?: number;
  /** Retries of a migration that timed out waiting for a lock, with doubling pauses. */
  lockRetries?: number;
  retryDelayMs?: number;
  /**
   * Called once the advisory lock is held and the pending migrations are known, before the first
   * one runs: the lint gate and the pre-migration backup live here. Throwing stops the deploy
   * with nothing applied.
   */
  beforeApply?: (pending: MigrationFile[]) => Promise<void>;
  /**
   * Apply contract steps (migrations with a `-- dbctl:contract` line: the drop that ends a
   * generated rename). Without it, deploy stops before the first one, applying what precedes it.
   */
  contract?: boolean;
  /** Text kept in a migration's `logs` column when it is applied (e.g. why a lint error was allowed). */
  annotate?: (file: MigrationFile) => string | undefined;
}

export const DEPLOY_DEFAULTS = { lockTimeoutMs: 5_000, statementTimeoutMs: 0, lockRetries: 3, retryDelayMs: 1_000 } as const;

const LOCK_NOT_AVAILABLE = "55P03";

/**
 * Applies pending migrations in folder-name order, as `prisma migrate deploy` does, writing
 * `_prisma_migrations` the same way. What it adds: each migration and its "finished" mark commit
 * in one transaction, so a failure leaves no half-applied schema; lock and statement timeouts
 * with a bounded retry; a hook for the lint gate and the backup; and statement-by-statement runs
 * for scripts that cannot be in a transaction, recording their progress honestly.
 */
export async function deployMigrations(db: SqlClient, files: MigrationFile[], options: DeployOptions = {}): Promise<DeployResult> {
  const log = options.log ?? (() => {});
  return withMigrateLock(db, async () => {
    await db.query(CREATE_MIGRATIONS_TABLE);
    const status = await migrationStatus(db, files);
    const failed = status.failed[0];
    if (failed) {
      throw new MigrationError(
        "FAILED_MIGRATIONS",
        `Found a failed migration in the target database; no new migration will be applied (Prisma's P3009). ` +
          `The \`${failed.name}\` migration started at ${failed.startedAt.toISOString()} failed` +
          (failed.logs ? `: ${firstLine(failed.logs)}` : ".") +
          ` Fix the database, then mark it with \`prisma migrate resolve --rolled-back ${failed.name}\` (or --applied).`,
        { migration: failed.name },
      );
    }
    for (const m of status.modified) log(`warning: ${m.name} was changed after it was applied (checksum mismatch); it is not run again.`);

    const byName = new Map(files.map((file) => [file.name, file]));
    const allPending = status.pending.map((name) => byName.get(name) as MigrationFile);
    const contractAt = options.contract ? -1 : allPending.findIndex((file) => isContractStep(file.sql));
    const pending = contractAt === -1 ? allPending : allPending.slice(0, contractAt);
    const heldBack = allPending.slice(pending.length).map((file) => file.name);
    if (heldBack.length) log(`Holding back ${heldBack[0]}${heldBack.length > 1 ? ` and the ${heldBack.length - 1} after it` : ""}: it is a contract step (-- dbctl:contract), for a later release; deploy it then with --contract.`);
    if (pending.length && options.beforeApply) await options.beforeApply(pending);
    const applied: string[] = [];
    for (const file of pending) {
      log(`Applying migration \`${file.name}\``);
      await applyOne(db, file, options, log);
      applied.push(file.name);
    }
    return { applied, heldBack, modified: status.modified };
  });
}

/** A migration marked, on a comment line of its own, as the contract step of an expand/contract change. */
export const isContractStep = (sql: string) => /^--\s*dbctl:contract\b/m.test(sql);

async function applyOne(db: SqlClient, file: MigrationFile, options: DeployOptions, log: (line: string) => void): Promise<void> {
  const id = randomUUID();
  // The row goes in first and on its own, so a failure leaves Prisma's "failed migration" record.
  await db.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, started_at, migration_name, applied_steps_count, logs) VALUES ($1, $2, now(), $3, 0, $4)`,
    [id, file.checksum, file.name, options.annotate?.(file) ?? null],
  );
  // Statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY...) run one by one.
  const plan = await planScript(file.sql);
  if (plan.transactional) await applyInTransaction(db, file, id, options, log);
  else await applyStatementByStatement(db, file, id, plan, options, log);
}

async function applyInTransaction(db: SqlClient, file: MigrationFile, id: string, options: DeployOptions, log: (line: string) => void) {
  const retries = options.lockRetries ?? DEPLOY_DEFAULTS.lockRetries;
  for (let attempt = 0; ; attempt++) {
    try {
      await db.query("BEGIN");
      await setTimeouts(db, options, "LOCAL");
      // One simple-protocol query: the script may hold many statements.
      await db.query(file.sql);
      await db.query(`UPDATE "_prisma_migrations" SET applied_steps_count = 1, finished_at = now() WHERE id = $1`, [id]);
      await db.query("COMMIT");
      return;
    } catch (error) {
      await db.query("ROLLBACK").catch(() => {});
      if (sqlState(error) === LOCK_NOT_AVAILABLE && attempt < retries) {
        const pause = (options.retryDelayMs ?? DEPLOY_DEFAULTS.retryDelayMs) * 2 ** attempt;
        log(`  ${file.name} waited longer than the lock timeout for a lock; nothing was changed. Retry ${attempt + 1} of ${retries} in ${pause} ms.`);
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      const message = describeSqlError(error);
      await recordFailure(db, id, message);
      if (sqlState(error) === LOCK_NOT_AVAILABLE) {
        throw new MigrationError(
          "LOCK_TIMEOUT",
          `Migration \`${file.name}\` could not get its locks within the lock timeout after ${retries + 1} attempts; it was rolled back and the schema is as before. ${message} Find the blocking sessions (pg_stat_activity), then mark the migration rolled back (prisma migrate resolve --rolled-back ${file.name}) and deploy again.`,
          { migration: file.name },
        );
      }
      throw new MigrationError("MIGRATION_FAILED", `Migration \`${file.name}\` failed and was rolled back; the schema is as it was before it. ${message}`, { migration: file.name });
    }
  }
}

async function applyStatementByStatement(
  db: SqlClient,
  file: MigrationFile,
  id: string,
  plan: { statements: string[]; reason: string },
  options: DeployOptions,
  log: (line: string) => void,
) {
  log(`  ${file.name} runs outside a transaction (${plan.reason}): ${plan.statements.length} statement(s), one at a time.`);
  await setTimeouts(db, options, "SESSION");
  try {
    for (const [index, statement] of plan.statements.entries()) {
      try {
        await db.query(statement);
      } catch (error) {
        const message = describeSqlError(error);
        const done = index === 0 ? "No statement of it had run" : `Statements 1 to ${index} of ${plan.statements.length} had run and stay applied`;
        await recordFailure(db, id, `${message}\nFailed at statement ${index + 1} of ${plan.statements.length}: ${statement}`);
        throw new MigrationError(
          "MIGRATION_FAILED",
          `Migration \`${file.name}\` failed at statement ${index + 1} of ${plan.statements.length}, outside a transaction. ${done}; a failed CREATE INDEX CONCURRENTLY leaves an INVALID index to drop. ${message}`,
          { migration: file.name },
        );
      }
      // Progress is recorded per statement, so a failure says exactly how far it got.
      await db.query(`UPDATE "_prisma_migrations" SET applied_steps_count = $2 WHERE id = $1`, [id, index + 1]);
    }
    await db.query(`UPDATE "_prisma_migrations" SET finished_at = now() WHERE id = $1`, [id]);
  } finally {
    await db.query("RESET lock_timeout").catch(() => {});
    await db.query("RESET statement_timeout").catch(() => {});
  }
}

/** deploy's timeouts for one migration: for its transaction (LOCAL) or the session (statement by statement). */
export async function setTimeouts(db: SqlClient, options: Pick<DeployOptions, "lockTimeoutMs" | "statementTimeoutMs">, scope: "LOCAL" | "SESSION") {
  const lock = options.lockTimeoutMs ?? DEPLOY_DEFAULTS.lockTimeoutMs;
  const statement = options.statementTimeoutMs ?? DEPLOY_DEFAULTS.statementTimeoutMs;
  const set = scope === "LOCAL" ? "SET LOCAL" : "SET";
  if (lock > 0) await db.query(`${set} lock_timeout = ${Math.floor(lock)}`);
  if (statement > 0) await db.query(`${set} statement_timeout = ${Math.floor(statement)}`);
}

async function recordFailure(db: SqlClient, id: string, message: string) {
  // Prisma reads `logs` as the failure's story; an earlier annotation stays above it.
  await db.query(`UPDATE "_prisma_migrations" SET logs = concat_ws(E'\n', logs, $2::text) WHERE id = $1`, [id, message]).catch(() => {});
}

const sqlState = (error: unknown) => (error as { code?: unknown })?.code;

export function describeSqlError(error: unknown): string {
  const e = error as { message?: string; code?: string; position?: string };
  const parts = [`Database error: ${e.message ?? String(error)}`];
  if (e.code) parts.push(`(SQLSTATE ${e.code})`);
  if (e.position) parts.push(`at character ${e.position}`);
  return parts.join(" ");
}

const firstLine = (text: string) => text.split("\n")[0] ?? text;
