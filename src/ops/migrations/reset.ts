import { quoteIdent, type SqlClient } from "../sql.ts";
import { deployMigrations, type DeployResult } from "./deploy.ts";
import type { MigrationFile } from "./files.ts";
import { withMigrateLock } from "./history.ts";

/**
 * Drops the current schema with everything in it (the migration history too), recreates it and
 * applies every migration, as `prisma migrate reset` does. DESTRUCTIVE: the caller decides
 * whether this database may be reset.
 */
export async function resetDatabase(db: SqlClient, files: MigrationFile[], options: { log?: (line: string) => void } = {}): Promise<DeployResult & { schema: string }> {
  const { rows } = await db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
  const schema = rows[0]?.schema ?? "public";
  await withMigrateLock(db, async () => {
    try {
      await db.query("BEGIN");
      await db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await db.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await db.query("COMMIT");
    } catch (error) {
      await db.query("ROLLBACK").catch(() => {});
      throw error;
    }
  });
  options.log?.(`Dropped and recreated schema "${schema}".`);
  return { ...(await deployMigrations(db, files, options)), schema };
}
