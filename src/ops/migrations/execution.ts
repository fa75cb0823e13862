import type { SqlClient } from "../sql.ts";
import { splitStatements, SqlSyntaxError } from "./lint/index.ts";

/** How a migration or rollback script runs: whole, in one transaction; or statement by statement outside one. */
export type ExecutionPlan = { transactional: true } | { transactional: false; statements: string[]; reason: string };

/**
 * Decides with PostgreSQL's parser: a script holding a statement that cannot run inside a
 * transaction block (CREATE/DROP INDEX CONCURRENTLY, VACUUM, a DO block that COMMITs between
 * batches, ...) runs one statement at a time, each sent alone;
 * anything else runs whole, atomically. A script the parser rejects runs whole, so the server
 * reports the error with its own words.
 */
export async function planScript(sql: string): Promise<ExecutionPlan> {
  let statements;
  try {
    statements = await splitStatements(sql);
  } catch (error) {
    if (error instanceof SqlSyntaxError) return { transactional: true };
    throw error;
  }
  const blocker = statements.find((s) => s.nonTransactional);
  if (!blocker) return { transactional: true };
  return {
    transactional: false,
    statements: statements.map((s) => s.text),
    reason:
      blocker.kind === "DoStmt"
        ? "a DO block that COMMITs between batches cannot run inside a transaction"
        : `${blocker.text.trim().split(/\s+/).slice(0, 3).join(" ")} cannot run inside a transaction`,
  };
}

/** Runs a script by its plan, outside any transaction the caller opened. */
export async function runScript(db: SqlClient, sql: string): Promise<void> {
  const plan = await planScript(sql);
  if (plan.transactional) {
    // One simple-protocol query: an implicit transaction around every statement of it.
    await db.query(sql);
    return;
  }
  for (const statement of plan.statements) await db.query(statement);
}
