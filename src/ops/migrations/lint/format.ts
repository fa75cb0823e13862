import type { Finding, LintReport } from "./lint.ts";

/** The human report: one block per finding (where, what, why, the safe recipe), then a verdict. */
export function formatText(report: LintReport): string {
  const blocks = report.findings.map(formatFinding);
  const { errors, warnings, files } = report.summary;
  const counts = `${count(errors, "error")}, ${count(warnings, "warning")} in ${count(files, "migration")}`;
  const silenced = report.suppressed.length ? ` (${count(report.suppressed.length, "finding")} suppressed with a reason)` : "";
  const verdict = errors ? `${counts}${silenced}: fix the errors, or suppress one with \`-- lint-ignore rule-id: reason\` above its statement.` : `${counts}${silenced}.`;
  return [...blocks, verdict].join("\n\n");
}

export function formatFinding(f: Finding): string {
  const lines = [`${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.rule}`, `  ${f.message}`];
  if (f.statement) lines.push(...excerpt(f.statement).map((l) => `    | ${l}`));
  lines.push(`  why: ${f.why}`, `  fix: ${f.fix}`);
  return lines.join("\n");
}

/** A long statement (a CREATE TABLE) is shown by its first lines. */
function excerpt(statement: string, max = 4): string[] {
  const lines = statement.split("\n").map((l) => l.replace(/\s+$/, ""));
  return lines.length <= max ? lines : [...lines.slice(0, max - 1), `… (${lines.length - max + 1} more lines)`];
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
