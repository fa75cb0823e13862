import { withServer } from "../../embedded/postgres.ts";
import { withScratchDatabase } from "../../scratch.ts";
import { connect, type SqlClient } from "../../sql.ts";
import { runScript } from "../execution.ts";
import type { MigrationFile } from "../files.ts";

/**
 * The schema the migrations build, to read from pg_catalog: every migration replayed, in order,
 * on a scratch database of the server given (`--shadow-url`) or of a throwaway embedded
 * PostgreSQL, as `generateMigrationSql` replays them for Prisma. Nothing is kept afterwards.
 */
export function withReplayedMigrations<T>(files: readonly MigrationFile[], options: { shadowUrl?: string }, work: (db: SqlClient) => Promise<T>): Promise<T> {
  return withServer(options.shadowUrl, "dbctl-rename", (url) =>
    withScratchDatabase(url, "dbctl_rename", async (scratchUrl) => {
      const db = await connect(scratchUrl, { createSchema: true, applicationName: "dbctl migrate new" });
      try {
        for (const file of files) await runScript(db, file.sql);
        return await work(db);
      } finally {
        await db.close();
      }
    }),
  );
}
