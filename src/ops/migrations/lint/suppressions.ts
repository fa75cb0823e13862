import type { SqlComment, SqlStatement } from "./parser.ts";

/**
 * Inline suppressions: `-- lint-ignore rule-id[, other-id]: reason` on the comment line(s)
 * directly above a statement (no blank line between). Only a suppression with a reason counts.
 */
export interface Suppression {
  rules: string[];
  /** Null when the comment gives none: such a suppression is itself a finding. */
  reason: string | null;
  line: number;
  column: number;
}

const DIRECTIVE = /^--\s*lint-ignore(?=[\s:]|$)(.*)$/s;

export function parseSuppression(comment: SqlComment): Suppression | undefined {
  const match = DIRECTIVE.exec(comment.text.trim());
  if (!match) return undefined;
  const rest = match[1] ?? "";
  const colon = rest.indexOf(":");
  const ids = colon < 0 ? rest : rest.slice(0, colon);
  const reason = colon < 0 ? "" : rest.slice(colon + 1).trim();
  return {
    rules: ids.split(/[\s,]+/).filter(Boolean),
    reason: reason || null,
    line: comment.line,
    column: comment.column,
  };
}

/** For each statement, the suppressions in the block of comment lines right above it. */
export function suppressionsByStatement(statements: SqlStatement[], comments: SqlComment[]): Suppression[][] {
  const ownLine = new Map<number, SqlComment>();
  for (const c of comments) if (c.ownLine) ownLine.set(c.line, c);
  return statements.map((statement) => {
    const found: Suppression[] = [];
    for (let line = statement.line - 1; ownLine.has(line); line--) {
      const suppression = parseSuppression(ownLine.get(line) as SqlComment);
      if (suppression) found.unshift(suppression);
    }
    return found;
  });
}
