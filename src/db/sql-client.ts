import type { Db } from "./client.ts";

/**
 * The request's Prisma client seen as the minimal SQL client of ops/sql.ts (`query(sql, params)
 * -> {rows, rowCount}`), so the reports and jobs written against that interface run inside the
 * app on every driver (pg, Neon, Hyperdrive, Accelerate) without a connection of their own.
 * The shape is written out here rather than imported: db/ imports nothing of ours but env.ts,
 * and TypeScript checks it against ops/sql.ts's SqlClient wherever one is passed as the other.
 * Raw queries skip Prisma's typing: write SQL whose columns arrive as numbers and text on every
 * driver (cast bigint and numeric to float8 or int4 in the query).
 */
export interface PrismaSqlClient {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export function sqlClientOf(db: Db): PrismaSqlClient {
  return {
    query: async <R extends object>(sql: string, params: unknown[] = []) => {
      const rows = await db.$queryRawUnsafe<R[]>(sql, ...params);
      return { rows, rowCount: rows.length };
    },
  };
}
