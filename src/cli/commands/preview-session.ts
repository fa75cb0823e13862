import { z } from "zod";
import { recoveryProvider } from "../../ops/recovery/factory.ts";
import type { RecoveryProvider } from "../../ops/recovery/provider.ts";
import type { CliContext } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { jsonFlag, urlFlag } from "../flags.ts";

/** What every `dbctl preview` command starts from: the recovery provider its branches belong to. */

export const previewFlags = { url: urlFlag, json: jsonFlag };

export const gitBranchSchema = z.string().trim().min(1, "must not be empty").max(255, "must be at most 255 characters").refine((v) => !v.includes("\0"), "must not contain NUL");

export const gitBranchFlag = flag.string(gitBranchSchema, { valueName: "<branch>", description: "The git branch the preview belongs to." });

export interface PreviewSession {
  provider: RecoveryProvider;
  /** Database on the branches: the live URL's (self-hosted), else the provider's own (Neon: NEON_DATABASE). */
  database: string | undefined;
  /** Progress for people, on stderr; undefined under --json. */
  log: ((line: string) => void) | undefined;
}

/**
 * Neon needs only NEON_API_KEY and NEON_PROJECT_ID (a pull request's workflow has no production
 * URL, nor should it); the self-hosted provider branches the live database, so it needs its URL.
 */
export async function openPreviews(flags: { url?: string | undefined; json: boolean }, ctx: CliContext): Promise<PreviewSession> {
  const log = flags.json ? undefined : (line: string) => ctx.stderr(line);
  const onNeon = Boolean(ctx.env.NEON_API_KEY && ctx.env.NEON_PROJECT_ID);
  const directUrl = onNeon ? undefined : resolveDatabaseUrl(flags.url, ctx.env, ctx).url;
  const provider = await recoveryProvider({ env: ctx.env, directUrl: directUrl ?? "postgresql://neon", cwd: ctx.cwd, ...(log && { onProgress: log }) });
  const database = directUrl ? decodeURIComponent(new URL(directUrl).pathname.slice(1)) || undefined : undefined;
  return { provider, database, log };
}
