import type { DropStmt, Node, RenameStmt } from "libpg-query";
import { as, names, quote, relationsIn, unwrap } from "./ast.ts";
import type { SqlStatement } from "./parser.ts";
import type { MigrationState } from "./state.ts";

/** The rules that judge a migration as a whole: its name, and how many changes it holds. */

/**
 * Words that say nothing about what changed: generic verbs, generic nouns, filler. A name is
 * vague when every word of it is one of these (or a number): `update_schema`, `fix`, `migration1`,
 * `add_column`. One specific word (`avatar`, `invoice`, `initial`) makes it descriptive.
 */
const VAGUE_WORDS = new Set(
  (
    "update updates updated fix fixes fixed fixup hotfix patch change changes changed modify modified modification " +
    "modifications alter altered edit edits misc miscellaneous various wip temp tmp test tests testing stuff thing things " +
    "migration migrations migrate schema schemas db database table tables model models data field fields column columns " +
    "index indexes new more another other minor small some tweak tweaks cleanup clean refactor quick final latest last " +
    "draft todo add adds remove removes delete create drop sql prisma version rev revision step part again " +
    "and or the a an to of for in on with v"
  ).split(" "),
);

/** The part of a folder name after its 14-digit timestamp. */
export const nameAfterTimestamp = (name: string) => /^\d{14}_(.*)$/.exec(name)?.[1] ?? name;

/** True when the migration's name does not say what it changes. */
export function isVagueName(name: string): boolean {
  const words = nameAfterTimestamp(name)
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .map((w) => w.replace(/\d+$/, ""))
    .filter(Boolean);
  return !words.some((w) => w.length >= 3 && !VAGUE_WORDS.has(w));
}

/**
 * The tables a statement touches. Everything it names counts (a FOREIGN KEY names both of its
 * tables, an INSERT ... SELECT its source), so one statement never holds two changes.
 */
export function tablesOf(statement: SqlStatement, state: MigrationState): string[] {
  const [kind, body] = unwrap(statement.ast);
  // REINDEX INDEX names an index where a table would be.
  if (kind === "ReindexStmt") return [];
  const tables = relationsIn(statement.ast);
  if (kind === "DropStmt") {
    const drop = body as DropStmt;
    for (const object of drop.objects ?? []) {
      const parts = names(as<{ items?: Node[] }>(object, "List")?.items);
      const name = parts[parts.length - 1];
      if (!name) continue;
      if (drop.removeType === "OBJECT_TABLE") tables.push(name);
      const indexTable = drop.removeType === "OBJECT_INDEX" ? state.createdIndexes.get(name) : undefined;
      if (indexTable) tables.push(indexTable);
    }
  }
  if (kind === "RenameStmt" && (body as RenameStmt).renameType === "OBJECT_TABLE" && (body as RenameStmt).newname) {
    tables.push((body as RenameStmt).newname as string);
  }
  return [...new Set(tables.filter(Boolean))];
}

/**
 * Groups the migration's tables into independent changes: two tables are in one group when a
 * statement touches both. Returns the groups in order of first appearance, each with the index
 * of the first statement that touches it.
 */
export function tableGroups(tablesPerStatement: string[][]): { tables: string[]; firstStatement: number }[] {
  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let root = t;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(t, root);
    return root;
  };
  for (const tables of tablesPerStatement) {
    for (const t of tables) if (!parent.has(t)) parent.set(t, t);
    for (const t of tables.slice(1)) parent.set(find(t), find(tables[0] as string));
  }
  const groups = new Map<string, { tables: string[]; firstStatement: number }>();
  tablesPerStatement.forEach((tables, index) => {
    for (const t of tables) {
      const root = find(t);
      const group = groups.get(root) ?? { tables: [], firstStatement: index };
      if (!group.tables.includes(t)) group.tables.push(t);
      groups.set(root, group);
    }
  });
  return [...groups.values()].sort((a, b) => a.firstStatement - b.firstStatement);
}

export const describeGroups = (groups: { tables: string[] }[]) => groups.map((g) => `{${g.tables.map(quote).join(", ")}}`).join(", ");
