/**
 * Migration lint: PostgreSQL's own parser over migration.sql files, rules in the manner of
 * strong_migrations and squawk. `dbctl migrate lint` prints it; a deploy gates on it.
 */
export { splitStatements, parseSql, SqlSyntaxError, type SqlStatement, type SqlComment } from "./parser.ts";
export { lintMigration, lintMigrations, summarize, type Finding, type LintContext, type LintOptions, type LintReport, type MigrationLint, type MigrationSource } from "./lint.ts";
export { RULES, RULE_IDS, isRuleId, type RuleId, type RuleInfo, type Severity } from "./rules.ts";
export { modifiedFromGit, modifiedFromHistory, gitVerdict } from "./modified.ts";
export { formatText, formatFinding } from "./format.ts";
