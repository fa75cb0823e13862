import { appendFileSync } from "node:fs";
import { maskUrl } from "../../env.ts";
import type { CliContext } from "../command.ts";

/**
 * Where a preview's connection strings go. stdout always gets them masked (a terminal, a CI log);
 * the real values go only to $GITHUB_OUTPUT, for the workflow's next steps. Before anything prints
 * them, `::add-mask::` tells the Actions runner to hide them (and the password alone) in the log.
 */
export interface PreviewOutputs {
  database_url: string;
  direct_url: string;
  branch_id: string;
  branch_name: string;
}

export function maskInActionsLog(ctx: CliContext, secrets: readonly string[]): void {
  if (!ctx.env.GITHUB_OUTPUT) return;
  const values = new Set<string>();
  for (const url of secrets) {
    values.add(url);
    const password = passwordOf(url);
    if (password) values.add(password).add(decodeURIComponent(password));
  }
  for (const value of values) ctx.stdout(`::add-mask::${value}`);
}

export function writeGithubOutputs(ctx: CliContext, outputs: PreviewOutputs): boolean {
  const file = ctx.env.GITHUB_OUTPUT;
  if (!file) return false;
  appendFileSync(file, Object.entries(outputs).map(([key, value]) => `${key}=${value}\n`).join(""));
  return true;
}

export function printUrls(ctx: CliContext, urls: { databaseUrl: string; directUrl: string }): void {
  ctx.stdout(`DATABASE_URL=${maskUrl(urls.databaseUrl)}`);
  ctx.stdout(`DIRECT_URL=${maskUrl(urls.directUrl)}`);
}

function passwordOf(url: string): string | undefined {
  try {
    return new URL(url).password || undefined;
  } catch {
    return undefined;
  }
}
