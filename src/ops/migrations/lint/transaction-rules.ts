import type { AlterTableCmd, AlterTableStmt, DropStmt, Node, TransactionStmt, VariableSetStmt } from "libpg-query";
import { as, names, quote, tableLabel, unwrap } from "./ast.ts";
import type { SqlStatement } from "./parser.ts";
import type { MigrationState, RawFinding } from "./state.ts";

/**
 * The rules about how a migration runs. `dbctl migrate deploy` opens the transaction: BEGIN,
 * SET LOCAL lock_timeout (and statement_timeout when given), the migration, its
 * `_prisma_migrations` "finished" mark, COMMIT. A migration that holds a statement PostgreSQL
 * refuses in a transaction runs statement by statement instead, with session timeouts.
 */

/** The highest lock_timeout a migration may set itself: twice deploy's 5 s default, strong_migrations' 10 s. */
export const LOCK_TIMEOUT_CEILING_MS = 10_000;

export function transactionRules(statement: SqlStatement, state: MigrationState): RawFinding[] {
  const [kind, body] = unwrap(statement.ast);
  const findings = [...timeoutCalls(statement.ast)];
  switch (kind) {
    case "TransactionStmt":
      findings.push(...transactionControl(body as TransactionStmt));
      break;
    case "VariableSetStmt":
      findings.push(...timeoutSetting(body as VariableSetStmt));
      break;
    case "DropStmt":
      findings.push(...dropOutsideTransaction(body as DropStmt, state));
      break;
    case "AlterTableStmt":
      findings.push(...alterDropOutsideTransaction(body as AlterTableStmt, state));
      break;
  }
  return findings;
}

const TRANSACTION_ENDS: Record<string, string> = {
  TRANS_STMT_BEGIN: "BEGIN",
  TRANS_STMT_START: "START TRANSACTION",
  TRANS_STMT_COMMIT: "COMMIT",
  TRANS_STMT_ROLLBACK: "ROLLBACK",
  TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
  TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
  TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
};

function transactionControl(stmt: TransactionStmt): RawFinding[] {
  // SAVEPOINT, RELEASE and ROLLBACK TO stay inside deploy's transaction: harmless.
  const what = TRANSACTION_ENDS[stmt.kind ?? ""];
  if (!what) return [];
  const starts = stmt.kind === "TRANS_STMT_BEGIN" || stmt.kind === "TRANS_STMT_START";
  return [
    {
      rule: "transaction-control",
      message: starts
        ? `${what} inside a migration: deploy already runs the migration in a transaction, and the COMMIT that goes with it would end that transaction early.`
        : `${what} inside a migration ends the transaction deploy opened for it: what came before it is settled before the migration is marked finished.`,
    },
  ];
}

type Timeout = "lock_timeout" | "statement_timeout";

/** What a setting's value turns the timeout into: off, a number of milliseconds, or unknown. */
function milliseconds(value: Node | undefined): number | "off" | undefined {
  const c = as<{ ival?: { ival?: number }; sval?: { sval?: string }; fval?: { fval?: string } }>(value, "A_Const");
  if (!c) return undefined;
  if (c.ival) return c.ival.ival ?? 0; // protobuf leaves out a zero
  const text = c.sval?.sval ?? c.fval?.fval;
  if (text === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = { us: 0.001, ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? "ms").toLowerCase()] ?? 1;
  return Number(match[1]) * unit;
}

function judge(name: Timeout, value: number | "off" | undefined, how: string): RawFinding[] {
  const ms = value === "off" ? 0 : value;
  if (ms === undefined) return [];
  if (name === "lock_timeout") {
    if (ms === 0) return [{ rule: "lock-timeout-disabled", message: `${how} turns lock_timeout off: a statement waiting for its lock queues every query of the table behind it, with no limit.` }];
    if (ms > LOCK_TIMEOUT_CEILING_MS) {
      return [{ rule: "lock-timeout-disabled", message: `${how} lets a statement wait ${ms / 1000} s for its lock (more than ${LOCK_TIMEOUT_CEILING_MS / 1000} s), with every query of the table queued behind it.` }];
    }
    return [];
  }
  return ms === 0 ? [{ rule: "statement-timeout-disabled", message: `${how} turns statement_timeout off: a statement of the migration may run, holding its locks, with no limit.` }] : [];
}

function timeoutSetting(stmt: VariableSetStmt): RawFinding[] {
  const scope = stmt.is_local ? "SET LOCAL" : "SET";
  if (stmt.kind === "VAR_RESET_ALL") {
    return [...judge("lock_timeout", "off", "RESET ALL (back to the server's setting, 0 unless configured)"), ...judge("statement_timeout", "off", "RESET ALL (back to the server's setting, 0 unless configured)")];
  }
  const name = stmt.name?.toLowerCase();
  if (name !== "lock_timeout" && name !== "statement_timeout") return [];
  if (stmt.kind === "VAR_RESET" || stmt.kind === "VAR_SET_DEFAULT") {
    return judge(name, "off", `${stmt.kind === "VAR_RESET" ? "RESET" : `${scope} ... TO DEFAULT`} ${name} (back to the server's setting, 0 unless configured)`);
  }
  if (stmt.kind !== "VAR_SET_VALUE") return [];
  return judge(name, milliseconds(stmt.args?.[0]), `${scope} ${name}`);
}

/** `SELECT set_config('lock_timeout', '0', ...)` anywhere in the statement. */
function timeoutCalls(node: unknown, found: RawFinding[] = []): RawFinding[] {
  if (Array.isArray(node)) {
    for (const item of node) timeoutCalls(item, found);
  } else if (node && typeof node === "object") {
    const call = as<{ funcname?: Node[]; args?: Node[] }>(node, "FuncCall");
    if (call && names(call.funcname).pop()?.toLowerCase() === "set_config") {
      const setting = as<{ sval?: { sval?: string } }>(call.args?.[0], "A_Const")?.sval?.sval?.toLowerCase();
      if (setting === "lock_timeout" || setting === "statement_timeout") found.push(...judge(setting, milliseconds(call.args?.[1]), `set_config('${setting}', ...)`));
    }
    for (const value of Object.values(node as Record<string, unknown>)) timeoutCalls(value, found);
  }
  return found;
}

function dropOutsideTransaction(stmt: DropStmt, state: MigrationState): RawFinding[] {
  if (!state.outsideTransaction || stmt.missing_ok) return [];
  const objects = (stmt.objects ?? []).map((o) => names(as<{ items?: Node[] }>(o, "List")?.items).map(quote).join(".")).filter(Boolean);
  const what = (stmt.removeType ?? "").replace(/^OBJECT_/, "").replace(/_/g, " ");
  return [{ rule: "non-transactional-drop-without-if-exists", message: `DROP ${what}${stmt.concurrent ? " CONCURRENTLY" : ""} ${objects.join(", ")} without IF EXISTS runs outside a transaction: run again after a failure, it fails on what it already dropped.` }];
}

function alterDropOutsideTransaction(stmt: AlterTableStmt, state: MigrationState): RawFinding[] {
  if (!state.outsideTransaction) return [];
  const findings: RawFinding[] = [];
  for (const node of stmt.cmds ?? []) {
    const cmd = as<AlterTableCmd>(node, "AlterTableCmd");
    if (!cmd || cmd.missing_ok || (cmd.subtype !== "AT_DropColumn" && cmd.subtype !== "AT_DropConstraint")) continue;
    const what = cmd.subtype === "AT_DropColumn" ? "DROP COLUMN" : "DROP CONSTRAINT";
    findings.push({ rule: "non-transactional-drop-without-if-exists", message: `ALTER TABLE ${tableLabel(stmt.relation)} ${what} ${quote(cmd.name ?? "")} without IF EXISTS runs outside a transaction: run again after a failure, it fails on what it already dropped.` });
  }
  return findings;
}
