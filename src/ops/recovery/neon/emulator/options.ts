import type { Branch, RecoveryProvider } from "../../provider.ts";

/** A recovery provider, plus what the self-hosted one offers to behave more like Neon. */
export interface EmulatorBackend extends RecoveryProvider {
  /** Makes everything committed so far restorable (Neon's history has no archiving delay). */
  archiveCurrentWal?(branch?: string): Promise<void>;
  /** Starts a stopped branch (Neon wakes a suspended compute on connect). */
  startBranch?(name: string): Promise<Branch>;
}

export interface NeonEmulatorOptions {
  provider: EmulatorBackend;
  /** The key clients must send as `Authorization: Bearer <key>`. */
  apiKey: string;
  projectId: string;
  projectName?: string;
  /** 127.0.0.1 and a free port unless given. */
  host?: string;
  port?: number;
  /** The project's history_retention_seconds (Neon's default on paid plans: 1 day). */
  historyRetentionSeconds?: number;
  /** How long an operation reports `running` at least. */
  operationDelayMs?: number;
  /** The role connection URIs are made for (the backend's superuser), and the database reported for new branches. */
  role?: string;
  database?: string;
  /** Keeps ids and Neon metadata across restarts (command-line use). */
  stateFile?: string;
  log?: (line: string) => void;
}
