import { z } from "zod";
import { maskUrl } from "../../env.ts";
import { recoveryProvider } from "../../ops/recovery/factory.ts";
import { RecoveryError, type Branch, type RecoveryProvider } from "../../ops/recovery/provider.ts";
import { SelfHostedRecovery } from "../../ops/recovery/self-hosted/index.ts";
import { CliError, type CliContext } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { directUrlSchema, jsonSchema } from "../flags.ts";

/** Flags and plumbing every `dbctl recovery` command shares. */
export const recoveryBase = { url: directUrlSchema.optional(), json: jsonSchema };

/** `--at`: an ISO 8601 moment, or how long ago (`90s`, `15m`, `2h`, `1d`). */
export const momentSchema = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const relative = /^(\d+)\s*(s|m|h|d)$/.exec(value);
    if (relative) {
      const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "s" | "m" | "h" | "d"];
      return new Date(Date.now() - Number(relative[1]) * unit);
    }
    const date = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time (2026-11-25T09:30:00Z) or a time ago (15m, 2h, 1d)" });
      return z.NEVER;
    }
    return date;
  });

export async function openRecovery(flags: { url?: string | undefined; json: boolean }, ctx: CliContext) {
  const target = resolveDatabaseUrl(flags.url, ctx.env);
  const log = flags.json ? undefined : (line: string) => ctx.stderr(line);
  const provider = await recoveryProvider({ env: ctx.env, directUrl: target.url, cwd: ctx.cwd, ...(log && { onProgress: log }) }).catch(rethrow);
  if (provider instanceof SelfHostedRecovery) {
    // The newest moments are only restorable once their WAL is archived: close the current
    // segment first (Neon has no such lag). A primary that is down just leaves the window as is.
    await provider.archiveCurrentWal().catch((error: Error) => ctx.stderr(`warning: could not archive the current WAL (${error.message}); the newest moments may not be restorable yet.`));
  }
  return { target, provider, log, database: new URL(target.url).pathname.slice(1) || undefined };
}

/** Recovery errors carry their own sentence and code; keep both. */
export function rethrow(error: unknown): never {
  if (error instanceof RecoveryError) throw new CliError(error.code, error.message);
  throw error;
}

export async function findBranch(provider: RecoveryProvider, name: string): Promise<Branch> {
  const branch = (await provider.listBranches().catch(rethrow)).find((b) => b.name === name);
  if (!branch) throw new CliError("BRANCH_NOT_FOUND", `There is no branch named "${name}"; \`dbctl recovery list\` shows them.`);
  return branch;
}

export const describeBranch = (b: Branch) =>
  `${b.name}${b.primary ? " (primary)" : ""}  ${b.state}  created ${b.createdAt.toISOString()}` +
  (b.parentTimestamp ? `  state of ${b.parent ?? "?"} at ${b.parentTimestamp.toISOString()}` : "") +
  (b.restoredFrom ? `  restored to ${b.restoredFrom.at.toISOString()}` : "");

export { maskUrl };
