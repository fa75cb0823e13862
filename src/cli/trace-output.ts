import type { TraceFailure, TracedLock, TracedMigration } from "../ops/migrations/trace.ts";
import { formatLock } from "../ops/migrations/locks.ts";

/** How `migrate trace` and `migrate rehearse` print a traced run for people. */
export function traceLines(migrations: readonly TracedMigration[], options: { over?: (migration: string, statement: number, lock: TracedLock) => boolean } = {}): string[] {
  const lines: string[] = [];
  for (const migration of migrations) {
    const how = migration.transactional ? "in one transaction" : "outside a transaction, one statement at a time";
    lines.push("", `${migration.name}  (${how}, ${formatMs(migration.durationMs)})`);
    for (const [index, statement] of migration.statements.entries()) {
      lines.push(`  ${index + 1}. ${oneLine(statement.sql)}  ${formatMs(statement.durationMs)}${statement.error ? "  FAILED" : ""}`);
      for (const lock of statement.locks) {
        const over = options.over?.(migration.name, index + 1, lock) ? "  OVER BUDGET" : "";
        lines.push(`       ${formatLock(lock)}, held ${formatMs(lock.heldMs)}${over}`);
      }
      if (statement.rewrites.length) lines.push(`       rewrote ${statement.rewrites.join(", ")} (new storage: every row copied, or emptied by TRUNCATE, under the lock)`);
      if (statement.locks.length === 0 && !statement.error) lines.push("       no lock on a relation other sessions use");
      if (statement.error) lines.push(`       error: ${statement.error}`);
    }
  }
  return lines;
}

export const describeFailure = (failure: TraceFailure) => `Migration \`${failure.migration}\` fails${failure.statement ? ` at statement ${failure.statement}` : ""}: ${failure.message}`;

const formatMs = (ms: number) => (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);

/** A statement on one line, cut at 100 characters. */
function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 97)}...` : flat;
}
