import { setTimeout as sleep } from "node:timers/promises";
import type { EmbeddedServer } from "../../src/ops/embedded/postgres.ts";
import { quoteIdent, withConnection } from "../../src/ops/sql.ts";

/**
 * A copy of a database on the same server (CREATE DATABASE ... TEMPLATE), for a suite that
 * changes the data (retention deletes every metric) while the shared data set stays as it was.
 * FILE_COPY copies the files instead of writing every block through the WAL: seconds, not a
 * minute, for the full data set. A template must have no sessions; one a previous suite's server
 * still closes is waited for, briefly.
 */
export async function copyDatabase(server: EmbeddedServer, source: string, copy: string): Promise<string> {
  await withConnection(server.url("postgres"), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(copy)} WITH (FORCE)`);
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(copy)} TEMPLATE ${quoteIdent(source)} STRATEGY FILE_COPY`);
        return;
      } catch (error) {
        const busy = (error as { code?: string }).code === "55006";
        if (!busy || attempt >= 50) throw error;
        await sleep(200);
      }
    }
  });
  return server.url(copy);
}

export async function dropDatabase(server: EmbeddedServer, name: string): Promise<void> {
  await withConnection(server.url("postgres"), (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}
