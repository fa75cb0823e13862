import { formatFinding, lintMigrations, type LintReport } from "../ops/migrations/lint/index.ts";
import type { MigrationFile } from "../ops/migrations/files.ts";
import { CliError, type CliContext } from "./command.ts";
import { plural } from "./output.ts";

/**
 * Deploy's lint gate, shared with `migrate rehearse`: the pending migrations are linted with
 * everything before them as history; an error refuses (nothing applied) unless `allowUnsafe`
 * gives a reason. Answers the migrations let through despite errors.
 */
export async function lintGate(files: MigrationFile[], pending: MigrationFile[], options: { allowUnsafe: string | undefined; json: boolean; ctx: CliContext; log?: ((line: string) => void) | undefined; verb: "deploy" | "rehearse" }): Promise<Set<string>> {
  const report = await lintPending(files, pending);
  const overridden = new Set<string>();
  if (report.summary.errors === 0) return overridden;
  const errors = report.findings.filter((f) => f.severity === "error");
  if (!options.allowUnsafe) {
    if (!options.json) for (const finding of errors) options.ctx.stderr(formatFinding(finding));
    const first = errors[0];
    throw new CliError(
      "LINT_FAILED",
      `Refusing to ${options.verb}: ${plural(errors.length, "lint error")} in pending migrations (first: ${first?.rule} in ${first?.migration}); nothing was applied. Fix them, suppress one with \`-- lint-ignore <rule>: <reason>\`, or pass --allow-unsafe "<reason>".`,
    );
  }
  for (const finding of errors) overridden.add(finding.migration);
  options.log?.(`warning: ${options.verb === "deploy" ? "deploying" : "rehearsing"} ${plural(errors.length, "lint error")} because --allow-unsafe: ${options.allowUnsafe}`);
  return overridden;
}

/** The pending migrations, linted with everything before them as history (tables that exist). */
function lintPending(files: MigrationFile[], pending: MigrationFile[]): Promise<LintReport> {
  const first = files.indexOf(pending[0] as MigrationFile);
  return lintMigrations(pending, { before: files.slice(0, Math.max(first, 0)) });
}
