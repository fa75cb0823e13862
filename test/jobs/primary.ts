import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployMigrations } from "../../src/ops/migrations/deploy.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { startNeonEmulator, type NeonEmulator } from "../../src/ops/recovery/neon/index.ts";
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

/**
 * What a CLI test runs once per recovery provider: a self-hosted archiving primary, and the Neon
 * emulator backed by a primary of its own. `providers` exists at once (for describe.each), each
 * with the dbctl environment that points at it; the servers once `start()` has run (in beforeAll).
 */
export interface BothProviders {
  readonly selfHosted: ArchivingPrimary;
  readonly neonBackend: ArchivingPrimary;
  readonly emulator: NeonEmulator;
  /** Per provider: its kind, the env for dbctl, and the primary behind it. */
  readonly providers: readonly { kind: "self-hosted" | "neon"; env: () => Record<string, string>; backend: () => ArchivingPrimary }[];
  start(): Promise<void>;
  remove(): Promise<void>;
}

export function bothProviders(prefix: string, neon: { apiKey: string; projectId: string; directUrl?: boolean }): BothProviders {
  let servers: { selfHosted: ArchivingPrimary; neonBackend: ArchivingPrimary; emulator: NeonEmulator } | undefined;
  const started = () => {
    if (!servers) throw new Error("bothProviders: start() has not run (call it in beforeAll)");
    return servers;
  };
  return {
    get selfHosted() {
      return started().selfHosted;
    },
    get neonBackend() {
      return started().neonBackend;
    },
    get emulator() {
      return started().emulator;
    },
    providers: [
      { kind: "self-hosted", env: () => ({ DIRECT_URL: started().selfHosted.appUrl, RECOVERY_DIR: started().selfHosted.root }), backend: () => started().selfHosted },
      {
        kind: "neon",
        env: () => ({
          ...(neon.directUrl && { DIRECT_URL: started().neonBackend.appUrl }),
          NEON_API_KEY: neon.apiKey,
          NEON_PROJECT_ID: neon.projectId,
          NEON_API_URL: started().emulator.url,
          NEON_DATABASE: "app",
          NEON_ROLE: "postgres",
        }),
        backend: () => started().neonBackend,
      },
    ],
    async start() {
      const [selfHosted, neonBackend] = await Promise.all([startArchivingPrimary(`${prefix}-self-`), startArchivingPrimary(`${prefix}-neon-`)]);
      const emulator = await startNeonEmulator({ provider: neonBackend.provider, apiKey: neon.apiKey, projectId: neon.projectId, operationDelayMs: 20 });
      servers = { selfHosted, neonBackend, emulator };
    },
    async remove() {
      if (!servers) return;
      await servers.emulator.close().catch(() => {});
      await Promise.all([servers.selfHosted.remove(), servers.neonBackend.remove()]);
    },
  };
}
