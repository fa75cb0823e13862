/**
 * Splits the Prisma-style parameters off a connection string: `schema` becomes the search path
 * and `pgbouncer`/`connection_limit`/`pool_timeout` mean nothing to node-postgres or a driver adapter.
 */
/** Parameters only Prisma understands: node-postgres, libpq and driver adapters must not see them. */
export const PRISMA_ONLY_PARAMS = ["schema", "pgbouncer", "connection_limit", "pool_timeout"] as const;

export function splitConnectionString(url: string): { connectionString: string; schema?: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  for (const key of PRISMA_ONLY_PARAMS) parsed.searchParams.delete(key);
  return schema ? { connectionString: parsed.toString(), schema } : { connectionString: parsed.toString() };
}
