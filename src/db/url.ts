/**
 * Splits the Prisma-style parameters off a connection string: `schema` becomes the search path
 * and `pgbouncer`/`connection_limit`/`pool_timeout` mean nothing to node-postgres or a driver adapter.
 */
export function splitConnectionString(url: string): { connectionString: string; schema?: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  for (const key of ["schema", "pgbouncer", "connection_limit", "pool_timeout"]) parsed.searchParams.delete(key);
  return schema ? { connectionString: parsed.toString(), schema } : { connectionString: parsed.toString() };
}
