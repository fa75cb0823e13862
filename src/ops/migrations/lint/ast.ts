import type { Node, RangeVar } from "libpg-query";

/** Small readers over libpg_query's parse tree (`{ NodeType: { ...fields } }` objects). */

/** The node's type and fields: `{ IndexStmt: {...} }` gives ["IndexStmt", {...}]. */
export function unwrap(node: Node | undefined): [string, Record<string, unknown>] {
  if (!node) return ["", {}];
  const kind = Object.keys(node)[0] ?? "";
  return [kind, ((node as Record<string, unknown>)[kind] ?? {}) as Record<string, unknown>];
}

/** The fields of a node if it is of type `kind`. */
export function as<T>(node: unknown, kind: string): T | undefined {
  if (!node || typeof node !== "object") return undefined;
  return (node as Record<string, unknown>)[kind] as T | undefined;
}

/**
 * How tables are matched within a migration: by name. The schema is left out because migrations
 * run on the search_path (Prisma's ?schema=), where "public"."User" and "User" are one table.
 */
export const tableKey = (relation: RangeVar | undefined): string => relation?.relname ?? "";

/** The table's name as the migration wrote it, for messages. */
export const tableLabel = (relation: RangeVar | undefined): string =>
  relation?.schemaname ? `${quote(relation.schemaname)}.${quote(relation.relname ?? "")}` : quote(relation?.relname ?? "");

export const quote = (name: string) => `"${name}"`;

/** The strings of a name list (`[{ String: { sval } }, ...]`), e.g. a qualified object name. */
export function names(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => as<{ sval?: string }>(n, "String")?.sval ?? "").filter(Boolean);
}

/** Every table a statement names, anywhere in its tree (FROM clauses, REFERENCES, ...). */
export function relationsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) relationsIn(item, found);
  } else if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    // A RangeVar, bare (`relation: {...}`) or wrapped (`{ RangeVar: {...} }`).
    if (typeof record.relname === "string" && "relpersistence" in record) found.push(record.relname);
    for (const value of Object.values(record)) relationsIn(value, found);
  }
  return found;
}

/** Every function called in an expression, by its unqualified lower-case name. */
export function functionsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) functionsIn(item, found);
  } else if (node && typeof node === "object") {
    const call = as<{ funcname?: Node[] }>(node, "FuncCall");
    if (call) {
      const parts = names(call.funcname);
      const name = parts[parts.length - 1];
      if (name) found.push(name.toLowerCase());
    }
    for (const value of Object.values(node as Record<string, unknown>)) functionsIn(value, found);
  }
  return found;
}
