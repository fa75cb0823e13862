import type { RangeVar } from "libpg-query";
import { as, quote, tableKey, tableLabel, unwrap } from "./ast.ts";
import type { SqlStatement } from "./parser.ts";
import type { MigrationState, RawFinding } from "./state.ts";

/**
 * Backfills, as strong_migrations sees them: an UPDATE or DELETE of existing rows is dangerous
 * in the transaction of a schema change, because the change's lock (ACCESS EXCLUSIVE for most of
 * ALTER TABLE) is held until the migration commits, so for as long as the backfill runs. A
 * backfill in a migration of its own holds only row locks: a plain UPDATE, or a DO block that
 * updates in batches and COMMITs between them.
 */

/** Tables an UPDATE or DELETE names as its target, anywhere in the statement (CTEs included). */
function targetsIn(node: unknown, found: { verb: string; relation: RangeVar }[] = []) {
  if (Array.isArray(node)) {
    for (const item of node) targetsIn(item, found);
  } else if (node && typeof node === "object") {
    for (const verb of ["UpdateStmt", "DeleteStmt"]) {
      const relation = as<{ relation?: RangeVar }>(node, verb)?.relation;
      if (relation) found.push({ verb: verb === "UpdateStmt" ? "UPDATE" : "DELETE FROM", relation });
    }
    for (const value of Object.values(node as Record<string, unknown>)) targetsIn(value, found);
  }
  return found;
}

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
/** UPDATE t / DELETE FROM t in PL/pgSQL text; not FOR UPDATE, ON UPDATE, ON DELETE. */
const DML = new RegExp(String.raw`(?<!\b(?:FOR|KEY|ON)\s+)\b(UPDATE|DELETE\s+FROM)\s+(?:ONLY\s+)?(${IDENTIFIER}(?:\s*\.\s*${IDENTIFIER})?)?`, "gi");

/** The tables a DO block's body updates or deletes from, by name; "" where it cannot tell (dynamic SQL). */
export function doBlockTargets(body: string): { verb: string; table: string }[] {
  const code = body.replace(/--[^\n]*/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ");
  return [...code.matchAll(DML)].map((m) => {
    const last = (m[2] ?? "").match(new RegExp(IDENTIFIER, "g"))?.pop() ?? "";
    const table = last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
    return { verb: (m[1] ?? "").toUpperCase().startsWith("UPDATE") ? "UPDATE" : "DELETE FROM", table };
  });
}

/** Notes an UPDATE/DELETE of rows that existed before the migration; judged by backfillFindings. */
export function recordBackfill(statement: SqlStatement, index: number, state: MigrationState) {
  const [kind, body] = unwrap(statement.ast);
  if (kind === "DoStmt") {
    const args = (body as { args?: unknown[] }).args ?? [];
    const code = args.map((a) => as<{ defname?: string; arg?: unknown }>(a, "DefElem")).find((d) => d?.defname === "as")?.arg;
    const targets = doBlockTargets(as<{ sval?: string }>(code, "String")?.sval ?? "").filter((t) => !state.createdTables.has(t.table));
    const first = targets[0];
    if (first) state.backfills.push({ index, line: statement.line, table: first.table, what: `A DO block that runs ${first.verb} ${first.table ? quote(first.table) : "(dynamic SQL)"}` });
    return;
  }
  const existing = targetsIn(statement.ast).filter((t) => !state.createdTables.has(tableKey(t.relation)));
  const first = existing[0];
  if (first) state.backfills.push({ index, line: statement.line, table: tableKey(first.relation), what: `${first.verb} ${tableLabel(first.relation)}` });
}

/** The backfill findings of a whole migration, each with the index of its statement. */
export function backfillFindings(state: MigrationState): { index: number; finding: RawFinding }[] {
  // Outside a transaction each statement commits on its own (concurrently-not-alone reports that).
  if (state.outsideTransaction || state.lockedTables.size === 0) return [];
  const locks = [...state.lockedTables.entries()].map(([table, l]) => ({ table, ...l })).sort((a, b) => a.line - b.line);
  return state.backfills.map((b) => {
    // The lock on the backfilled table itself tells the story best; else the first one taken.
    const lock = locks.find((l) => l.table === b.table) ?? (locks[0] as (typeof locks)[number]);
    const message =
      lock.line <= b.line
        ? `${b.what} runs in one transaction with the lock taken by ${lock.what} (line ${lock.line}), which blocks writes until the migration commits: it is held for as long as the backfill runs.`
        : `${b.what} runs in one transaction with the lock taken by ${lock.what} (line ${lock.line}): the rows it changes stay locked while that statement waits for its lock, and until the migration commits.`;
    return { index: b.index, finding: { rule: "backfill-in-schema-migration", message } };
  });
}
