/**
 * Connection strings: the Prisma-only parameters split off, pooler detection, and the session
 * settings a connection starts with.
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
 * Neon's `-pooler` host, or Supabase's pooler port 6543. Such a pooler refuses startup parameters
 * it does not know ("unsupported startup parameter") and drops session state between
 * transactions, so nothing session-level may be sent through it.
 */
export function isPooledUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.searchParams.get("pgbouncer") === "true" || /-pooler\./i.test(parsed.hostname) || parsed.port === "6543";
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
