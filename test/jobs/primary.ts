import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployMigrations } from "../../src/ops/migrations/deploy.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { SelfHostedRecovery } from "../../src/ops/recovery/self-hosted/index.ts";
import { connect } from "../../src/ops/sql.ts";
import { stopPostgresUnder } from "../ops/recovery-neon/processes.ts";
import { FAST, sql } from "../ops/recovery-support.ts";

/** A self-hosted primary with WAL archiving and the app's schema in database "app", as npm start makes one. */
export interface ArchivingPrimary {
  root: string;
  provider: SelfHostedRecovery;
  appUrl: string;
  /** Stops every server under its folder, by pid, and removes the folder. */
  remove(): Promise<void>;
}

export async function startArchivingPrimary(prefix: string): Promise<ArchivingPrimary> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o755); // the servers run as the postgres user, which must enter it
  const provider = new SelfHostedRecovery({ stateDir: root, settings: FAST, archiveTimeoutSeconds: 1, durable: false, database: "app" });
  await provider.initPrimary({ walSegmentSizeMb: 1 });
  await sql(await provider.connectionString("main", { database: "postgres" }), "CREATE DATABASE app");
  const appUrl = await provider.connectionString("main");
  const conn = await connect(appUrl);
  try {
    await deployMigrations(conn, readMigrations("prisma/migrations"));
  } finally {
    await conn.close();
  }
  await provider.archiveCurrentWal();
  return {
    root,
    provider,
    appUrl,
    remove: async () => {
      await provider.stopAll().catch(() => {});
      stopPostgresUnder(root);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
