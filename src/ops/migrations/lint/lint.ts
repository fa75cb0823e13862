import { describeGroups, isVagueName, nameAfterTimestamp, tableGroups, tablesOf } from "./migration-rules.ts";
import { parseSql, SqlSyntaxError, type ParsedSql, type SqlStatement } from "./parser.ts";
import { isRuleId, RULES, type RuleId, type Severity } from "./rules.ts";
import { backfillFindings } from "./backfill-rules.ts";
import { copyKnowledge, emptyKnowledge, newState, type Knowledge, type RawFinding } from "./state.ts";
import { checkStatement } from "./statement-rules.ts";
import { suppressionsByStatement, type Suppression } from "./suppressions.ts";

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** The migration's folder name. */
  migration: string;
  /** The file, as the caller named it. */
  file: string;
  /** 1-based position of the statement (or of the comment, for a suppression finding). */
  line: number;
  column: number;
  /** The statement's SQL; null for findings about the whole file. */
  statement: string | null;
  /** What is wrong here, naming the objects. */
  message: string;
  /** Why it is dangerous. */
  why: string;
  /** The safe recipe. */
  fix: string;
}

export interface LintContext {
  /** The path shown in findings. Default: `<name>/migration.sql`. */
  file?: string;
  /** The first migration of its folder: it builds the schema from nothing, one change by definition. */
  initial?: boolean;
  /** Set when the file is known to differ from the version databases ran: says how that is known. */
  modified?: string;
  /** What earlier migrations left (validated NOT NULL checks); lintMigrations threads it through. */
  knowledge?: Knowledge;
}

export interface MigrationLint {
  findings: Finding[];
  /** Findings silenced by a `-- lint-ignore rule: reason`. */
  suppressed: Finding[];
  /** The knowledge after this migration, for the next one. */
  knowledge: Knowledge;
}

interface Anchored extends RawFinding {
  line: number;
  column: number;
  statement: string | null;
  /** The statement whose suppressions apply; -1 for none. */
  index: number;
}

/** Lints one migration. Pure apart from the parser: what it knows of other files comes in `context`. */
export async function lintMigration(name: string, sql: string, context: LintContext = {}): Promise<MigrationLint> {
  const file = context.file ?? `${name}/migration.sql`;
  const knowledge = copyKnowledge(context.knowledge ?? emptyKnowledge());
  const anchored: Anchored[] = [];
  const finish = (suppressions: Suppression[][]) => resolve(anchored, suppressions, { name, file, knowledge });

  if (context.modified) anchored.push({ rule: "applied-migration-modified", message: `${name} changed after it was applied: ${context.modified}`, line: 1, column: 1, statement: null, index: -1 });

  let parsed: ParsedSql;
  try {
    parsed = await parseSql(sql);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    anchored.push({ rule: "syntax-error", message: `PostgreSQL cannot parse this migration: ${error.message}.`, line: error.line, column: error.column, statement: null, index: -1 });
    if (isVagueName(name)) anchored.push(vagueName(name, undefined, -1));
    return finish([]);
  }
  const { statements, comments } = parsed;
  const at = (statement: SqlStatement, index: number, raw: RawFinding): Anchored => ({
    ...raw,
    line: statement.line,
    column: statement.column,
    statement: statement.text,
    index,
  });

  const state = newState(knowledge, { outsideTransaction: statements.some((s) => s.nonTransactional) });
  const tablesPerStatement: string[][] = [];
  statements.forEach((statement, index) => {
    for (const raw of checkStatement(statement, state, index)) anchored.push(at(statement, index, raw));
    tablesPerStatement.push(tablesOf(statement, state));
    if (statement.nonTransactional && statements.length > 1) {
      anchored.push(
        at(statement, index, {
          rule: "concurrently-not-alone",
          message: `${statement.concurrently ? "This CONCURRENTLY statement" : "This statement"} cannot run inside a transaction, and the migration holds ${statements.length - 1} other statement${statements.length === 2 ? "" : "s"}.`,
        }),
      );
    }
  });

  for (const { index, finding } of backfillFindings(state)) anchored.push(at(statements[index] as SqlStatement, index, finding));

  // Findings about the whole migration sit on its first statement, whose comments can suppress them.
  const first = statements[0];
  if (isVagueName(name)) anchored.push(vagueName(name, first, 0));
  const groups = tableGroups(tablesPerStatement);
  const second = groups[1];
  if (second && !context.initial) {
    const statement = statements[second.firstStatement] as SqlStatement;
    anchored.push(
      at(statement, second.firstStatement, {
        rule: "unrelated-tables",
        message: `The migration changes ${groups.length} unrelated groups of tables: ${describeGroups(groups)}.`,
      }),
    );
  }

  const suppressions = suppressionsByStatement(statements, comments);
  suppressions.forEach((list, index) => {
    const statement = statements[index] as SqlStatement;
    for (const s of list) {
      const where = { line: s.line, column: s.column, statement: statement.text, index: -1 };
      if (s.reason === null) {
        anchored.push({ rule: "suppression-missing-reason", message: `\`-- lint-ignore ${s.rules.join(", ")}\` gives no reason after a colon, so it suppresses nothing.`, ...where });
      }
      const unknown = s.rules.filter((r) => !isRuleId(r));
      if (unknown.length || s.rules.length === 0) {
        anchored.push({
          rule: "suppression-unknown-rule",
          message: s.rules.length === 0 ? "`-- lint-ignore` names no rule." : `\`-- lint-ignore\` names no known rule: ${unknown.join(", ")}.`,
          ...where,
        });
      }
    }
  });
  return finish(suppressions);
}

function vagueName(name: string, statement: SqlStatement | undefined, index: number): Anchored {
  return {
    rule: "vague-migration-name",
    message: `The name "${nameAfterTimestamp(name)}" does not say what the migration changes.`,
    line: statement?.line ?? 1,
    column: statement?.column ?? 1,
    statement: null,
    index: statement ? index : -1,
  };
}

function resolve(anchored: Anchored[], suppressions: Suppression[][], m: { name: string; file: string; knowledge: Knowledge }): MigrationLint {
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  const sorted = [...anchored].sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  for (const a of sorted) {
    const info = RULES[a.rule];
    const finding: Finding = {
      rule: a.rule,
      severity: info.severity,
      migration: m.name,
      file: m.file,
      line: a.line,
      column: a.column,
      statement: a.statement,
      message: a.message,
      why: info.why,
      fix: info.fix,
    };
    const predates = "since" in info && (/^(\d{14})_/.exec(m.name)?.[1] ?? "99999999999999") < info.since;
    const silenced = predates || (a.index >= 0 && (suppressions[a.index] ?? []).some((s) => s.reason !== null && s.rules.includes(a.rule)));
    (silenced ? suppressed : findings).push(finding);
  }
  return { findings, suppressed, knowledge: m.knowledge };
}

/** A migration to lint; a MigrationFile (files.ts) is one. */
export interface MigrationSource {
  name: string;
  /** Shown in findings. */
  path: string;
  sql: string;
}

export interface LintOptions {
  /**
   * The migrations that come before these, in order. They are read for what they leave behind
   * (NOT NULL checks a later SET NOT NULL relies on), never reported. When empty, the first of
   * `migrations` is the folder's initial migration.
   */
  before?: readonly MigrationSource[];
  /** Migrations whose file differs from the version databases ran, with how that is known. */
  modified?: ReadonlyMap<string, string>;
}

export interface LintReport {
  findings: Finding[];
  suppressed: Finding[];
  summary: { errors: number; warnings: number; files: number };
}

/**
 * Lints migrations in order, as one folder's history: the gate a deploy runs before applying
 * anything (refuse when `summary.errors > 0`).
 */
export async function lintMigrations(migrations: readonly MigrationSource[], options: LintOptions = {}): Promise<LintReport> {
  let knowledge = emptyKnowledge();
  const before = options.before ?? [];
  for (const m of before) knowledge = (await lintMigration(m.name, m.sql, { knowledge })).knowledge;
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const [index, m] of migrations.entries()) {
    const modified = options.modified?.get(m.name);
    const result = await lintMigration(m.name, m.sql, {
      file: m.path,
      initial: before.length === 0 && index === 0,
      knowledge,
      ...(modified ? { modified } : {}),
    });
    knowledge = result.knowledge;
    findings.push(...result.findings);
    suppressed.push(...result.suppressed);
  }
  return { findings, suppressed, summary: summarize(findings, migrations.length) };
}

export function summarize(findings: readonly Finding[], files: number): LintReport["summary"] {
  const errors = findings.filter((f) => f.severity === "error").length;
  return { errors, warnings: findings.length - errors, files };
}
