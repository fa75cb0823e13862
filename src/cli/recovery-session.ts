import { z } from "zod";
import { recoveryProvider } from "../ops/recovery/factory.ts";
import type { Branch, RecoveryProvider } from "../ops/recovery/provider.ts";
import { CliError, type CliContext } from "./command.ts";
import { resolveDatabaseUrl } from "./database-url.ts";
import { flag } from "./flag.ts";
import { jsonFlag, nameSchema, urlFlag } from "./flags.ts";

/** What every `dbctl recovery` command starts from: its flags, the provider, the live database. */

export const recoveryFlags = { url: urlFlag, json: jsonFlag };

/** `--branch <name>`: a branch of the provider's, by name. */
export const branchFlag = (description: string) => flag.string(nameSchema, { valueName: "<name>", description });

/** An ISO 8601 moment, or how long ago (`90s`, `15m`, `2h`, `1d`). */
const momentSchema = z
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

export const momentFlag = flag.string(momentSchema, { valueName: "<time>", description: "The moment to restore: ISO 8601, or a time ago (15m, 2h, 1d)." });

export interface RecoverySession {
  /** The live database (its direct URL): credentials, database name, the maintenance switch. */
  target: ReturnType<typeof resolveDatabaseUrl>;
  provider: RecoveryProvider;
  /** Progress for people, on stderr; undefined under --json. */
  log: ((line: string) => void) | undefined;
  /** The database the live URL names, for branch connection strings. */
  database: string | undefined;
}

export async function openRecovery(flags: { url?: string | undefined; json: boolean }, ctx: CliContext): Promise<RecoverySession> {
  const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
  const log = flags.json ? undefined : (line: string) => ctx.stderr(line);
  const provider = await recoveryProvider({ env: ctx.env, directUrl: target.url, cwd: ctx.cwd, ...(log && { onProgress: log }) });
  // The newest moments are only restorable once the provider has them (self-hosted: the current
  // WAL segment archived). A primary that is down just leaves the window as it is.
  await provider.archiveCurrentWal?.().catch((error: Error) => ctx.stderr(`warning: could not archive the current WAL (${error.message}); the newest moments may not be restorable yet.`));
  return { target, provider, log, database: decodeURIComponent(new URL(target.url).pathname.slice(1)) || undefined };
}

/** The session, and the branch `--branch` names (an unknown name is refused before anything changes). */
export async function openRecoveryBranch(flags: { url?: string | undefined; json: boolean; branch: string }, ctx: CliContext): Promise<RecoverySession & { branch: Branch }> {
  const session = await openRecovery(flags, ctx);
  const branch = (await session.provider.listBranches()).find((b) => b.name === flags.branch);
  if (!branch) throw new CliError("BRANCH_NOT_FOUND", `There is no branch named "${flags.branch}"; \`dbctl recovery window\` lists them.`);
  return { ...session, branch };
}

export const describeBranch = (b: Branch) =>
  `${b.name}${b.primary ? " (primary)" : ""}  ${b.state}  created ${b.createdAt.toISOString()}` +
  (b.parentTimestamp ? `  state of ${b.parent ?? "?"} at ${b.parentTimestamp.toISOString()}` : "") +
  (b.restoredFrom ? `  restored to ${b.restoredFrom.at.toISOString()}` : "");
