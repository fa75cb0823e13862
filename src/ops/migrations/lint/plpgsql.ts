import { parsePlPgSQL } from "libpg-query";
import { as } from "./ast.ts";

/**
 * A `DO` block that ends transactions itself (COMMIT or ROLLBACK in its PL/pgSQL body, as a
 * batched backfill does between batches). PostgreSQL runs such a block only when it is not inside
 * a transaction block: sent alone, as its own simple query. Decided by PostgreSQL's own PL/pgSQL
 * parser (libpg_query), not by searching the body's text, so a COMMIT in a string or a comment
 * does not count, and one nested in a loop or an IF does.
 */
export async function doBlockEndsTransactions(statementText: string, body: unknown): Promise<boolean> {
  const args = (body as { args?: unknown[] }).args ?? [];
  const language = args.map((a) => as<{ defname?: string; arg?: unknown }>(a, "DefElem")).find((d) => d?.defname === "language");
  const name = as<{ sval?: string }>(language?.arg, "String")?.sval;
  if (name !== undefined && name.toLowerCase() !== "plpgsql") return false;
  let tree: unknown;
  try {
    tree = await parsePlPgSQL(statementText);
  } catch {
    // A body PL/pgSQL rejects fails on the server with its own words; it changes no plan here.
    return false;
  }
  return containsKey(tree, TRANSACTION_CONTROL);
}

const TRANSACTION_CONTROL = new Set(["PLpgSQL_stmt_commit", "PLpgSQL_stmt_rollback"]);

function containsKey(node: unknown, keys: ReadonlySet<string>): boolean {
  if (Array.isArray(node)) return node.some((item) => containsKey(item, keys));
  if (!node || typeof node !== "object") return false;
  return Object.entries(node).some(([key, value]) => keys.has(key) || containsKey(value, keys));
}
