import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../embedded/postgres.ts";
import { withScratchDatabase } from "../../scratch.ts";
import { connect, type SqlClient } from "../../sql.ts";
import { runScript } from "../execution.ts";
import type { MigrationFile } from "../files.ts";

/**
 * The schema the migrations build, to read from pg_catalog: every migration replayed, in order,
 * on a scratch database of the server given (`--shadow-url`) or of a throwaway embedded
 * PostgreSQL, as `generateMigrationSql` replays them for Prisma. Nothing is kept afterwards.
 */
export async function withReplayedMigrations<T>(files: readonly MigrationFile[], options: { shadowUrl?: string }, work: (db: SqlClient) => Promise<T>): Promise<T> {
  let server: EmbeddedServer | undefined;
  let dataRoot: string | undefined;
  try {
    let url = options.shadowUrl;
    if (!url) {
      dataRoot = mkdtempSync(join(tmpdir(), "dbctl-rename-"));
      // As root, the server runs as `postgres` and must be able to enter the folder.
      chmodSync(dataRoot, 0o755);
      server = await startEmbeddedPostgres({ dataDir: join(dataRoot, "data"), persistent: false, settings: { fsync: "off" } });
      url = server.url("postgres");
    }
    return await withScratchDatabase(url, "dbctl_rename", async (scratchUrl) => {
      const db = await connect(scratchUrl, { createSchema: true, applicationName: "dbctl migrate new" });
      try {
        for (const file of files) await runScript(db, file.sql);
        return await work(db);
      } finally {
        await db.close();
      }
    });
  } finally {
    await server?.stop();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  }
}
