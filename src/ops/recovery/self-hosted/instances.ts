import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { connect } from "../../sql.ts";
import { type Branch, RecoveryError } from "../provider.ts";
import { archivingSettings } from "./archiving.ts";
import { parseSegmentSize, takeBaseBackup } from "./backups.ts";
import { type Credentials, type RunAs, checkReachable, runningPid, serverOwnedDir, serverUrl, serverUser, startServer } from "./server.ts";
import { type BackupRecord, type BranchRecord, StateStore, branchIn } from "./state.ts";

export interface SelfHostedOptions {
  /** Where archive, backups, branches and the registry live (see state.ts). */
  stateDir: string;
  /** Superuser credentials, the same on every branch (branches are copies of one cluster). */
  user?: string;
  password?: string;
  host?: string;
  /** Database that connectionString() points at by default. */
  database?: string;
  /** Extra postgresql.conf settings for every instance this provider starts. */
  settings?: Record<string, string>;
  archiveTimeoutSeconds?: number;
  /** false skips fsync of base backups and of prune's removals (tests); true by default. */
  durable?: boolean;
  startTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

/**
 * The PostgreSQL instances behind the branches of one state folder: the settings and identity
 * they run with, starting them, asking them their timeline, backing them up, and turning their
 * registry records into Branches. Every part of the provider works through one of these.
 */
export class Instances {
  readonly store: StateStore;
  readonly credentials: Credentials;
  readonly runAs: RunAs | undefined;
  readonly database: string;

  constructor(readonly options: SelfHostedOptions) {
    this.store = new StateStore(resolve(options.stateDir));
    this.credentials = { host: options.host ?? "127.0.0.1", user: options.user ?? "postgres", password: options.password ?? "postgres" };
    this.runAs = serverUser();
    this.database = options.database ?? "postgres";
    this.prepareFolders();
  }

  get archiveDir(): string {
    return this.store.archiveDir;
  }

  get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? 120_000;
  }

  get durable(): boolean {
    return this.options.durable ?? true;
  }

  /** The settings every instance runs with: archiving into this provider's archive, then extras. */
  serverSettings(): Record<string, string> {
    const timeout = this.options.archiveTimeoutSeconds;
    return { ...archivingSettings(this.archiveDir, timeout === undefined ? {} : { archiveTimeoutSeconds: timeout }), ...this.options.settings };
  }

  url(port: number, database: string): string {
    return serverUrl(this.credentials, port, database);
  }

  async start(dataDir: string, port: number, logFile: string, extra: Record<string, string> = {}): Promise<number> {
    checkReachable(dataDir, this.runAs);
    return startServer({
      dataDir,
      port,
      settings: { ...this.serverSettings(), ...extra },
      logFile,
      runAs: this.runAs,
      credentials: this.credentials,
      timeoutMs: this.startTimeoutMs,
    });
  }

  async ensureRunning(record: BranchRecord): Promise<void> {
    if (runningPid(record.dataDir)) return;
    this.progress(`Starting branch "${record.name}" on port ${record.port} ...`);
    const pid = await this.start(record.dataDir, record.port, this.logFile(record.name));
    this.store.update((state) => (branchIn(state, record.name).pid = pid));
  }

  /** The timeline a branch writes on: asked from the server when it runs, else as registered. */
  async liveTimeline(record: BranchRecord): Promise<number> {
    return runningPid(record.dataDir) ? this.currentTimeline(record.port) : record.timeline;
  }

  /** liveTimeline, written back to the registry when the server says otherwise. */
  async refreshTimeline(record: BranchRecord): Promise<number> {
    const timeline = await this.liveTimeline(record);
    if (timeline !== record.timeline) this.store.update((state) => (branchIn(state, record.name).timeline = timeline));
    return timeline;
  }

  async currentTimeline(port: number): Promise<number> {
    const conn = await connect(this.url(port, "postgres"), { applicationName: "dbctl recovery" });
    try {
      // The first 8 hex digits of the current WAL file name are the timeline being written.
      const { rows } = await conn.query<{ file: string }>("SELECT pg_walfile_name(pg_current_wal_lsn()) AS file");
      return Number.parseInt((rows[0]?.file ?? "").slice(0, 8), 16);
    } finally {
      await conn.close();
    }
  }

  async rememberSegmentSize(port: number): Promise<void> {
    const conn = await connect(this.url(port, "postgres"), { applicationName: "dbctl recovery" });
    try {
      const { rows } = await conn.query<{ size: string }>("SELECT current_setting('wal_segment_size') AS size");
      const size = parseSegmentSize(rows[0]?.size);
      this.store.update((state) => (state.walSegmentSize = size));
    } finally {
      await conn.close();
    }
  }

  async backup(record: BranchRecord): Promise<BackupRecord> {
    if (!runningPid(record.dataDir)) throw new RecoveryError("RECOVERY_SETUP", `Branch "${record.name}" is not running, so it cannot be backed up.`);
    this.progress(`Taking a base backup of "${record.name}" ...`);
    return takeBaseBackup({
      store: this.store,
      branch: record.name,
      port: record.port,
      credentials: this.credentials,
      runAs: this.runAs,
      durable: this.durable,
    });
  }

  toBranch(record: BranchRecord): Branch {
    return {
      id: record.name,
      name: record.name,
      ...(record.parent !== undefined && { parent: record.parent }),
      ...(record.parentTimestamp !== undefined && { parentTimestamp: record.parentTimestamp }),
      createdAt: record.createdAt,
      ...(record.restoredFrom !== undefined && { restoredFrom: record.restoredFrom }),
      primary: record.primary,
      ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
      state: runningPid(record.dataDir) ? "ready" : existsSync(join(record.dataDir, "PG_VERSION")) ? "stopped" : "init",
    };
  }

  /** The branch's Branch as the registry has it now. */
  branch(name: string): Branch {
    return this.toBranch(this.store.branch(name));
  }

  logFile(name: string): string {
    const folder = this.store.branchDir(name);
    serverOwnedDir(folder, this.runAs, 0o755);
    return join(folder, "postgres.log");
  }

  writeServerFile(path: string, content: string): void {
    writeFileSync(path, content, { mode: 0o600 });
    if (this.runAs) chownSync(path, this.runAs.uid, this.runAs.gid);
  }

  progress(line: string): void {
    this.options.onProgress?.(line);
  }

  private prepareFolders(): void {
    mkdirSync(this.store.root, { recursive: true });
    chmodSync(this.store.root, 0o755);
    serverOwnedDir(this.store.archiveDir, this.runAs, 0o755);
    serverOwnedDir(this.store.backupsDir, this.runAs, 0o755);
    serverOwnedDir(join(this.store.root, "branches"), this.runAs, 0o755);
  }
}
