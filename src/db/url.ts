/**
 * Connection strings: the Prisma-only parameters split off, pooler detection (and the direct URL
 * a pooled one stands for), hosted Accelerate, and the session settings a connection starts with.
 */
/** Parameters only Prisma understands: node-postgres, libpq and driver adapters must not see them. */
export const PRISMA_ONLY_PARAMS = ["schema", "pgbouncer", "connection_limit", "pool_timeout"] as const;

/**
 * Splits the Prisma-style parameters off a connection string: `schema` becomes the search path
 * and `pgbouncer`/`connection_limit`/`pool_timeout` mean nothing to node-postgres or a driver adapter.
 */
export function splitConnectionString(url: string): { connectionString: string; schema?: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  for (const key of PRISMA_ONLY_PARAMS) parsed.searchParams.delete(key);
  return schema ? { connectionString: parsed.toString(), schema } : { connectionString: parsed.toString() };
}

/**
 * Whether the URL reaches PostgreSQL through a transaction-mode pooler: Prisma's `pgbouncer=true`,
 * Neon's `-pooler` host, Supabase's pooler port 6543, or Prisma Postgres's pooled.db.prisma.io
 * (PgBouncer in transaction mode, per its connection-pooling page). Such a pooler refuses startup parameters
 * it does not know ("unsupported startup parameter") and drops session state between
 * transactions, so nothing session-level may be sent through it.
 */
export function isPooledUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.searchParams.get("pgbouncer") === "true" ||
      /-pooler\./i.test(parsed.hostname) ||
      parsed.port === "6543" ||
      parsed.hostname.toLowerCase() === "pooled.db.prisma.io"
    );
  } catch {
    return false;
  }
}

/**
 * The connection string with PostgreSQL settings every session starts with, as `-c name=value`
 * in the startup packet's `options` (kept beside any `options` the URL already has, such as
 * Neon's `endpoint=`). A URL parameter, because node-postgres lets the URL's `options` win over
 * its configuration object.
 */
export function withSessionSettings(connectionString: string, settings: Record<string, string | number>): string {
  const flags = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  if (flags.length === 0) return connectionString;
  const parsed = new URL(connectionString);
  const existing = parsed.searchParams.get("options");
  parsed.searchParams.set("options", [existing, ...flags].filter(Boolean).join(" "));
  return parsed.toString();
}

/** A Prisma Accelerate / Prisma Postgres URL (`prisma://`, `prisma+postgres://`): an HTTP proxy, not a Postgres connection. */
export const isAccelerateUrl = (url: string): boolean => /^prisma(\+postgres)?:\/\//i.test(url.trim());

/**
 * Whether the URL is hosted Prisma Accelerate (`prisma://` or `prisma+postgres://` on
 * accelerate.prisma-data.net), retired on 2026-12-01 together with its query caching. Prisma's
 * "Connect to Prisma Postgres without Accelerate" guide names that host for both schemes and
 * says local Prisma Postgres (`prisma dev`, `prisma+postgres://localhost:51213`) is not affected:
 * an Accelerate-protocol endpoint anywhere else keeps working.
 */
export function isHostedAccelerateUrl(url: string): boolean {
  if (!isAccelerateUrl(url)) return false;
  try {
    const host = new URL(url.trim()).hostname.toLowerCase();
    return host === "prisma-data.net" || host.endsWith(".prisma-data.net");
  } catch {
    return false;
  }
}

/** Why a hosted Accelerate URL is refused at start, and what takes its place (after the variable's name). */
export const HOSTED_ACCELERATE_RETIRED =
  "is a hosted Prisma Accelerate URL (accelerate.prisma-data.net), which was retired on 2026-12-01: use Neon's pooled URL with the serverless driver, Hyperdrive on Workers, or a Prisma Postgres (pooled.db.prisma.io) or self-hosted endpoint";

/** A pooled URL in words: which pooler it reaches, and the direct URL to use in its place. */
export interface DirectUrlAdvice {
  pooler: string;
  direct: string;
}

/**
 * The direct URL to use instead of a pooled one, in words (a host and port, never credentials);
 * undefined for a direct URL. Pooled here is what isPooledUrl says, and the Accelerate protocol,
 * an HTTP proxy with no session at all. Hyperdrive has no URL in configuration (the Worker's
 * binding hands one over at run time), so it never reaches this: its origin is the direct URL.
 * Hosts from the providers' own pages: Neon's pooled host is the endpoint's with `-pooler`;
 * Supabase's direct connection is db.<ref>.supabase.co:5432, its shared pooler (Supavisor)
 * aws-<region>.pooler.supabase.com, transaction mode on 6543 and session mode on 5432 (the guide's
 * DIRECT_URL: a session there is the client's own); Prisma Postgres pools on pooled.db.prisma.io
 * and connects directly on db.prisma.io, with the same credentials.
 */
export function directUrlAdvice(url: string): DirectUrlAdvice | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  const host = parsed.hostname.toLowerCase();
  if (isAccelerateUrl(url)) {
    const local = host === "localhost" || host === "127.0.0.1" || host === "::1" || host === "[::1]";
    return {
      pooler: "an Accelerate-protocol endpoint (an HTTP proxy, not a PostgreSQL connection)",
      direct: local
        ? "the postgres:// TCP URL `prisma dev` prints (port 51214 by default)"
        : "the database's direct postgresql:// URL from the Prisma console (db.prisma.io for Prisma Postgres)",
    };
  }
  if (!isPooledUrl(url)) return undefined;
  const port = parsed.port ? `:${parsed.port}` : "";
  if (/-pooler\./.test(host)) {
    return { pooler: `Neon's connection pooler (${host})`, direct: `${host.replace("-pooler.", ".")}, the same host without -pooler` };
  }
  if (host === "pooled.db.prisma.io") {
    return { pooler: "Prisma Postgres's connection pooler (pooled.db.prisma.io)", direct: "db.prisma.io, with the same credentials" };
  }
  if (host.endsWith(".pooler.supabase.com")) {
    // The shared pooler's user is postgres.<project ref>; the direct host is named after that ref.
    const ref = /^[^.]+\.([a-z0-9]+)$/i.exec(decodeURIComponent(parsed.username))?.[1];
    const directHost = `db.${ref ?? "<project-ref>"}.supabase.co`;
    return {
      pooler: `Supabase's transaction pooler (${host}${port})`,
      direct: `${directHost}:5432 (the direct connection), or the session pooler on port 5432 of ${host}`,
    };
  }
  if (/^db\.[a-z0-9]+\.supabase\.co$/.test(host)) {
    return { pooler: `Supabase's dedicated pooler (${host}${port})`, direct: `${host}:5432, the same host on port 5432` };
  }
  const which = parsed.searchParams.get("pgbouncer") === "true" ? "pgbouncer=true" : `port ${parsed.port}`;
  return { pooler: `a connection pooler (${host}${port}, ${which})`, direct: "the database's own host and port, not the pooler's" };
}

/**
 * Why a pooled URL will not do where a session of its own is needed (migrations, backups,
 * recovery, previews, Prisma's CLI), naming the direct URL to use; undefined for a direct URL.
 * Worded to follow the variable's name: `DIRECT_URL points at …`.
 */
export function pooledUrlRefusal(url: string): string | undefined {
  const advice = directUrlAdvice(url);
  if (!advice) return undefined;
  return `points at ${advice.pooler}, where a migration, backup or restore has no session of its own (its locks and snapshot would not hold); use the direct URL: ${advice.direct}`;
}
