import { parse, scan, type Node, type ScanToken } from "libpg-query";
import { doBlockEndsTransactions } from "./plpgsql.ts";
import { SourceText } from "./source.ts";

/**
 * PostgreSQL's own parser (libpg_query compiled to WASM), wrapped for migrations: the file is
 * cut into statements with their exact text and position, never by searching for semicolons.
 */

export interface SqlStatement {
  /** The statement's SQL from its first token to its last: no surrounding comments, no `;`. */
  text: string;
  /** String offsets in the migration: `sql.slice(start, end) === text`. */
  start: number;
  end: number;
  /** UTF-8 byte offsets, as the parser reports them. */
  byteStart: number;
  byteEnd: number;
  /** 1-based position of the statement's first character. */
  line: number;
  column: number;
  /** The parse tree node's type: "IndexStmt", "AlterTableStmt", ... */
  kind: string;
  /** The parse tree, as libpg_query returns it (`{ [kind]: {...} }`). */
  ast: Node;
  /** A CONCURRENTLY form (CREATE/DROP/REINDEX INDEX, DETACH PARTITION). */
  concurrently: boolean;
  /**
   * PostgreSQL refuses it inside a transaction block (every CONCURRENTLY form, VACUUM, CREATE
   * DATABASE, a DO block that COMMITs, ...).
   */
  nonTransactional: boolean;
}

export interface SqlComment {
  /** The comment as written, `--` or `/* *\/` included. */
  text: string;
  line: number;
  column: number;
  /** A `--` comment with nothing before it on its line. */
  ownLine: boolean;
}

export class SqlSyntaxError extends Error {
  override name = "SqlSyntaxError";
  constructor(
    message: string,
    /** 1-based position of the error in the migration. */
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export interface ParsedSql {
  source: SourceText;
  statements: SqlStatement[];
  comments: SqlComment[];
}

/**
 * Splits a migration into its statements, with their text and location, so a runner can execute
 * them one at a time (CONCURRENTLY statements outside a transaction). Throws SqlSyntaxError when
 * PostgreSQL could not parse the script.
 */
export async function splitStatements(sql: string): Promise<SqlStatement[]> {
  return (await parseSql(sql)).statements;
}

/** Statements and comments of a migration (comments carry lint-ignore directives). */
export async function parseSql(sql: string): Promise<ParsedSql> {
  const source = new SourceText(sql);
  let tree;
  try {
    tree = await parse(sql);
  } catch (error) {
    throw syntaxError(error, source);
  }
  let tokens: ScanToken[];
  try {
    tokens = (await scan(sql)).tokens;
  } catch (error) {
    throw syntaxError(error, source);
  }
  const code = tokens.filter((t) => !isComment(t));
  const statements: SqlStatement[] = [];
  const totalBytes = Buffer.byteLength(sql, "utf8");
  let cursor = 0; // statements come in order, so their tokens are found by one walk
  for (const raw of tree.stmts ?? []) {
    if (!raw.stmt) continue;
    const from = raw.stmt_location ?? 0;
    // A length of 0 means "to the end of the script" (the last statement, without a `;`).
    const to = raw.stmt_len ? from + raw.stmt_len : totalBytes;
    // The parser's range can include comments and blanks; trim it to the statement's own tokens.
    while (cursor < code.length && (code[cursor] as ScanToken).start < from) cursor++;
    const inside: ScanToken[] = [];
    for (let i = cursor; i < code.length && (code[i] as ScanToken).end <= to; i++) if ((code[i] as ScanToken).text !== ";") inside.push(code[i] as ScanToken);
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (!first || !last) continue;
    const start = source.charOffset(first.start);
    const end = source.charOffset(last.end);
    const kind = Object.keys(raw.stmt)[0] ?? "Unknown";
    const body = (raw.stmt as Record<string, unknown>)[kind];
    const concurrently = isConcurrently(kind, body);
    statements.push({
      text: sql.slice(start, end),
      start,
      end,
      byteStart: first.start,
      byteEnd: last.end,
      ...source.position(start),
      kind,
      ast: raw.stmt,
      concurrently,
      nonTransactional: concurrently || NON_TRANSACTIONAL.has(kind) || isVacuum(kind, body) || (kind === "DoStmt" && (await doBlockEndsTransactions(sql.slice(start, end), body))),
    });
  }
  const comments: SqlComment[] = [];
  let previousCodeLine = 0;
  for (const token of tokens) {
    const at = source.position(source.charOffset(token.start));
    if (isComment(token)) {
      const text = sql.slice(source.charOffset(token.start), source.charOffset(token.end));
      comments.push({ text, ...at, ownLine: token.tokenName === "SQL_COMMENT" && previousCodeLine !== at.line });
    } else {
      // The last line a piece of code ends on; a comment after it on that line is not on its own line.
      previousCodeLine = source.position(source.charOffset(token.end)).line;
    }
  }
  return { source, statements, comments };
}

const isComment = (token: ScanToken) => token.tokenName === "SQL_COMMENT" || token.tokenName === "C_COMMENT";

/** Statements that PostgreSQL runs only outside a transaction block, whatever their options. */
const NON_TRANSACTIONAL = new Set(["CreatedbStmt", "DropdbStmt", "AlterSystemStmt", "CreateTableSpaceStmt", "DropTableSpaceStmt"]);

function isVacuum(kind: string, body: unknown): boolean {
  return kind === "VacuumStmt" && (body as { is_vacuumcmd?: boolean }).is_vacuumcmd === true;
}

function isConcurrently(kind: string, body: unknown): boolean {
  const b = body as Record<string, unknown>;
  switch (kind) {
    case "IndexStmt":
    case "DropStmt":
      return b.concurrent === true;
    case "ReindexStmt":
      return ((b.params as Node[] | undefined) ?? []).some((p) => (p as { DefElem?: { defname?: string } }).DefElem?.defname === "concurrently");
    case "AlterTableStmt":
      return ((b.cmds as Node[] | undefined) ?? []).some((c) => {
        const cmd = (c as { AlterTableCmd?: { subtype?: string; def?: { PartitionCmd?: { concurrent?: boolean } } } }).AlterTableCmd;
        return cmd?.subtype === "AT_DetachPartition" && cmd.def?.PartitionCmd?.concurrent === true;
      });
    default:
      return false;
  }
}

function syntaxError(error: unknown, source: SourceText): SqlSyntaxError {
  const e = error as { message?: string; sqlDetails?: { message?: string; cursorPosition?: number } };
  const message = e.sqlDetails?.message ?? e.message ?? String(error);
  // cursorPosition is a 0-based byte offset into the script.
  const at = source.position(source.charOffset(e.sqlDetails?.cursorPosition ?? 0));
  return new SqlSyntaxError(message, at.line, at.column);
}
