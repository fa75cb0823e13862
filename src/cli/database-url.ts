import { isAccelerateUrl, isPooledUrl } from "../db/url.ts";
import { ConfigError, loadEnv } from "../env.ts";
import { findLocalDatabase, noLocalDatabase, usingLocalDatabase } from "../ops/embedded/local-database.ts";
import { CliError, type CliContext } from "./command.ts";

/**
 * Which database a command talks to. Operations need a session of their own (advisory locks,
 * multi-statement scripts), so the direct URL wins and a prisma:// Accelerate URL is refused:
 * it is an HTTP proxy, not a Postgres connection. With no URL at all, the database `npm start`
 * runs in another terminal (found from EMBEDDED_PG_DIR), announced on stderr.
 */
export interface ResolvedUrl {
  url: string;
  source: "--url" | "DIRECT_URL" | "DATABASE_URL" | "npm start";
  /** Set when the URL looks like a connection pooler, where advisory locks do not hold. */
  warning?: string;
}

/**
 * `where` is the command's context: the directory npm start's data folder is relative to, and
 * where the notice goes. Without it, this process's own (what bin/dbctl.mjs gives every command).
 */
export function resolveDatabaseUrl(
  flagUrl: string | undefined,
  rawEnv: Record<string, string | undefined>,
  where: Pick<CliContext, "cwd" | "stderr"> = { cwd: process.cwd(), stderr: (text) => process.stderr.write(`${text}\n`) },
): ResolvedUrl {
  if (flagUrl) return withPoolerWarning({ url: flagUrl, source: "--url" });
  const direct = rawEnv.DIRECT_URL?.trim() || undefined;
  const pooled = rawEnv.DATABASE_URL?.trim() || undefined;
  if (direct && isAccelerateUrl(direct)) {
    throw new CliError("ACCELERATE_URL_REFUSED", "DIRECT_URL is a Prisma Accelerate (prisma://) URL, but database operations need a direct postgresql:// connection; set DIRECT_URL to one or pass --url.");
  }
  if (!direct && pooled && isAccelerateUrl(pooled)) {
    throw new CliError("ACCELERATE_URL_REFUSED", "DATABASE_URL is a Prisma Accelerate (prisma://) URL and DIRECT_URL is not set; set DIRECT_URL to the direct postgresql:// connection or pass --url.");
  }
  if (!direct && !pooled) {
    const local = findLocalDatabase({ cwd: where.cwd, env: rawEnv });
    if (!local.running) throw new CliError("NO_DATABASE_URL", noLocalDatabase(local, where.cwd, "or set DIRECT_URL (or DATABASE_URL), or pass --url"));
    // stderr, so a --json answer on stdout stays one document.
    where.stderr(usingLocalDatabase(local, where.cwd));
    return { url: local.url, source: "npm start" };
  }
  // Only the two URL variables: an unrelated bad setting (PORT, ...) must not stop a migration.
  let env;
  try {
    env = loadEnv({ DIRECT_URL: direct, DATABASE_URL: direct ? undefined : pooled });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError("INVALID_CONFIG", `${error.message}.`);
    throw error;
  }
  if (env.DIRECT_URL) return withPoolerWarning({ url: env.DIRECT_URL, source: "DIRECT_URL" });
  return withPoolerWarning({ url: env.DATABASE_URL as string, source: "DATABASE_URL" });
}

function withPoolerWarning(resolved: ResolvedUrl): ResolvedUrl {
  if (!isPooledUrl(resolved.url)) return resolved;
  return {
    ...resolved,
    warning: `${resolved.source} points at a connection pooler, where the migration lock does not hold; prefer the direct (unpooled) URL.`,
  };
}
