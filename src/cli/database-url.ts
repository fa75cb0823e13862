import { isAccelerateUrl, pooledUrlRefusal } from "../db/url.ts";
import { ConfigError, loadEnv } from "../env.ts";
import { findLocalDatabase, noLocalDatabase, usingLocalDatabase } from "../ops/embedded/local-database.ts";
import { CliError, type CliContext } from "./command.ts";

/**
 * Which database a command talks to: --url, else DIRECT_URL, else DATABASE_URL, else the
 * database `npm start` runs in another terminal (found from EMBEDDED_PG_DIR, announced on stderr).
 * Operations need a session of their own (the migration lock, multi-statement scripts, pg_dump's
 * snapshot, a restore), which a transaction-mode pooler does not keep, so a pooled URL is refused
 * with the direct host to use instead of being used and half-working. env.ts already refuses a
 * pooled DIRECT_URL; this refuses a pooled --url, or a pooled DATABASE_URL standing in for an
 * unset DIRECT_URL. An Accelerate-protocol URL is never a Postgres connection, so it is refused too.
 */
export interface ResolvedUrl {
  url: string;
  source: "--url" | "DIRECT_URL" | "DATABASE_URL" | "npm start";
}

/**
 * What the command needs: `direct` (the default: migrate, backup, recovery, maintenance,
 * jobs run, which hands the URL to pg_dump, the recovery provider and the drill as the direct
 * URL), or `any` for a command that only reads with single statements (the db reports and jobs
 * history), which a transaction-mode pooler serves as well as the database does.
 */
export type UrlNeed = "direct" | "any";

/**
 * `where` is the command's context: the directory npm start's data folder is relative to, and
 * where the notice goes. Without it, this process's own (what bin/dbctl.mjs gives every command).
 */
export function resolveDatabaseUrl(
  flagUrl: string | undefined,
  rawEnv: Record<string, string | undefined>,
  where: Pick<CliContext, "cwd" | "stderr"> = { cwd: process.cwd(), stderr: (text) => process.stderr.write(`${text}\n`) },
  need: UrlNeed = "direct",
): ResolvedUrl {
  // flags.ts already refused an Accelerate-protocol --url.
  if (flagUrl) return refusePooled({ url: flagUrl, source: "--url" }, need);
  const direct = rawEnv.DIRECT_URL?.trim() || undefined;
  const pooled = rawEnv.DATABASE_URL?.trim() || undefined;
  if (!direct && !pooled) {
    const local = findLocalDatabase({ cwd: where.cwd, env: rawEnv });
    if (!local.running) throw new CliError("NO_DATABASE_URL", noLocalDatabase(local, where.cwd, "or set DIRECT_URL (or DATABASE_URL), or pass --url"));
    // stderr, so a --json answer on stdout stays one document.
    where.stderr(usingLocalDatabase(local, where.cwd));
    return { url: local.url, source: "npm start" };
  }
  // Only the URL dbctl will use: an unrelated bad setting (PORT, ...) must not stop a migration,
  // nor the app's DATABASE_URL once DIRECT_URL is set (a retired hosted Accelerate URL there is
  // the incident an operator may be running dbctl to get out of). env.ts refuses a pooled or
  // Accelerate DIRECT_URL and a hosted Accelerate DATABASE_URL, with the direct host to use.
  let env;
  try {
    env = loadEnv({ DIRECT_URL: direct, DATABASE_URL: direct ? undefined : pooled });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError("INVALID_CONFIG", `${error.message}.`);
    throw error;
  }
  if (env.DIRECT_URL) return { url: env.DIRECT_URL, source: "DIRECT_URL" };
  const url = env.DATABASE_URL as string;
  if (isAccelerateUrl(url)) {
    throw new CliError("ACCELERATE_URL_REFUSED", `DIRECT_URL is not set and DATABASE_URL ${pooledUrlRefusal(url)}; set DIRECT_URL to it or pass --url.`);
  }
  return refusePooled({ url, source: "DATABASE_URL" }, need);
}

function refusePooled(resolved: ResolvedUrl, need: UrlNeed): ResolvedUrl {
  const refusal = need === "direct" ? pooledUrlRefusal(resolved.url) : undefined;
  if (!refusal) return resolved;
  if (resolved.source === "--url") throw new CliError("POOLED_URL_REFUSED", `--url ${refusal}.`);
  throw new CliError("POOLED_URL_REFUSED", `DIRECT_URL is not set and DATABASE_URL ${refusal}; set DIRECT_URL to it or pass --url.`);
}
