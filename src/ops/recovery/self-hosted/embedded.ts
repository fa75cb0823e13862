import { resolve } from "node:path";
import type { BackupRecord } from "./state.ts";
import { SelfHostedRecovery } from "./provider.ts";

/**
 * For `npm start`'s embedded PostgreSQL: run it with WAL archiving into a recovery state folder
 * and take its first base backup, so its history can be restored from then on.
 *
 *   const recoveryDir = join(dirname(config.EMBEDDED_PG_DIR), "recovery");
 *   embedded = await startEmbeddedPostgres({ ..., settings: embeddedArchivingSettings(recoveryDir) });
 *   await ensureBaseBackup({ stateDir: recoveryDir, dataDir: config.EMBEDDED_PG_DIR, port: embedded.port, onProgress: log });
 */

/** Creates the state folders (the archive must exist before the server archives) and returns the settings. */
export function embeddedArchivingSettings(stateDir: string, options: { archiveTimeoutSeconds?: number } = {}): Record<string, string> {
  return new SelfHostedRecovery({ stateDir: resolve(stateDir), ...options }).serverSettings();
}

/**
 * Registers the running embedded server as the primary branch ("main") and takes a base backup
 * unless its history already has one (so: on first start, and never again unless the archive
 * was emptied). Returns the new backup, or undefined when none was needed.
 */
export async function ensureBaseBackup(options: {
  stateDir: string;
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  onProgress?: (line: string) => void;
}): Promise<BackupRecord | undefined> {
  const provider = new SelfHostedRecovery({
    stateDir: resolve(options.stateDir),
    ...(options.user !== undefined && { user: options.user }),
    ...(options.password !== undefined && { password: options.password }),
    ...(options.onProgress && { onProgress: options.onProgress }),
  });
  await provider.adoptPrimary({ dataDir: options.dataDir, port: options.port });
  return provider.ensureBaseBackup();
}
