import { rmSync } from "node:fs";
import { join } from "node:path";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../src/ops/embedded/postgres.ts";
import { embeddedArchivingSettings, ensureBaseBackup, SelfHostedRecovery } from "../../src/ops/recovery/self-hosted/index.ts";
import { loadDataset, type Dataset, type Sizes } from "../dataset.ts";

/**
 * A PostgreSQL of the recovery suite's own, set up as `npm start` sets up its embedded one:
 * WAL archiving into a recovery state folder from the first start, then (once the data set is
 * loaded, as last night's base backup would hold it) a base backup, and the self-hosted
 * provider over that folder. track_commit_timestamp is the one addition: it lets the suite read
 * each row's commit time, which is what decides whether a restore to T must hold it.
 */
export interface ArchivingPrimary {
  server: EmbeddedServer;
  dataset: Dataset;
  provider: SelfHostedRecovery;
  /** Stops every server started here (branches, then the primary) and removes their folders. */
  stop(): Promise<void>;
}

export async function startArchivingPrimary(workDir: string, database: string, sizes: Sizes): Promise<ArchivingPrimary> {
  const stateDir = join(workDir, "recovery");
  const dataDir = join(workDir, "recovery-primary");
  const settings = { ...embeddedArchivingSettings(stateDir), track_commit_timestamp: "on" };
  const server = await startEmbeddedPostgres({ dataDir, persistent: false, settings });
  const provider = new SelfHostedRecovery({ stateDir, user: server.user, password: server.password, database });
  const stop = async () => {
    await provider.stopAll().catch(() => {});
    await server.stop().catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const dataset = await loadDataset(server, database, sizes);
    await ensureBaseBackup({ stateDir, dataDir, port: server.port, user: server.user, password: server.password });
    return { server, dataset, provider, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
