import type { SqlClient } from "./sql.ts";

/**
 * The maintenance switch, read and flipped over a direct connection (dbctl), the same row the
 * API reads through Prisma. While it is on, requests that write answer 503; reads keep working.
 */
export interface MaintenanceState {
  enabled: boolean;
  message: string | null;
  updatedAt: Date | null;
}

export async function setMaintenance(db: SqlClient, enabled: boolean, message: string | null): Promise<MaintenanceState> {
  const { rows } = await db.query<{ enabled: boolean; message: string | null; updatedAt: Date }>(
    `INSERT INTO "MaintenanceMode" (id, enabled, message, "updatedAt") VALUES (1, $1, $2, now())
     ON CONFLICT (id) DO UPDATE SET enabled = EXCLUDED.enabled, message = EXCLUDED.message, "updatedAt" = EXCLUDED."updatedAt"
     RETURNING enabled, message, "updatedAt"`,
    [enabled, message],
  );
  const row = rows[0] as { enabled: boolean; message: string | null; updatedAt: Date };
  return { enabled: row.enabled, message: row.message, updatedAt: row.updatedAt };
}

export async function getMaintenance(db: SqlClient): Promise<MaintenanceState> {
  const { rows } = await db.query<{ enabled: boolean; message: string | null; updatedAt: Date }>(
    `SELECT enabled, message, "updatedAt" FROM "MaintenanceMode" WHERE id = 1`,
  );
  const row = rows[0];
  return row ? { enabled: row.enabled, message: row.message, updatedAt: row.updatedAt } : { enabled: false, message: null, updatedAt: null };
}
