import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "../../embedded/postgres.ts";
import { connect } from "../../sql.ts";
import {
  type Branch,
  type ConnectionOptions,
  type CreateBranchOptions,
  type RecoveryProvider,
  type RestoreBranchOptions,
  type RestoreResult,
  type RestoreWindow,
  BranchExistsError,
  BranchIsPrimaryError,
  BranchNotFoundError,
  NoRestoreWindowError,
  OutsideRestoreWindowError,
  RecoveryError,
  RestoreFailedError,
  assertBranchName,
} from "../provider.ts";
import { archivingSettings, restoreCommand } from "./archiving.ts";
import { backupOnPath, parseSegmentSize, takeBaseBackup } from "./backups.ts";
import {
  type Credentials,
  type RunAs,
  checkReachable,
  initCluster,
  lastLines,
  runAsServer,
  runningPid,
  serverOwnedDir,
  serverUrl,
  serverUser,
  sleep,
  startServer,
  stopServer,
} from "./server.ts";
import { type BackupRecord, type BranchRecord, StateStore } from "./state.ts";
import { type TransactionEnd, formatLsn, historyFileName, parseLsn, postgresTimeToDate, scanArchive, timelinePath } from "./wal.ts";

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
  /** false skips fsync of base backups (tests); true by default. */
  durable?: boolean;
  startTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

/** A recovery target as PostgreSQL takes it, decided from the archive before anything starts. */
type Target = { kind: "time"; at: Date; setting: string } | { kind: "lsn"; at: Date; lsn: string } | { kind: "immediate" };

/**
 * Point-in-time recovery on self-hosted PostgreSQL. Every branch is a PostgreSQL instance with a
 * data folder and a port of its own; all of them archive WAL into one archive, each on its own
 * timeline (promotion after a recovery picks the next free timeline, found through the history
 * files in the archive), so any branch's past can be restored from a base backup plus the archive.
 *
 * - createBranch(at) restores the newest base backup on the parent's timeline ancestry that was
 *   consistent by `at`, replays the archive up to `at` and promotes: a new instance on a new port.
 * - restoreBranch(b, at) builds the same thing, then swaps: the restored data takes b's folder and
 *   port (connection strings keep working), b's old data moves to branches/<preserved>/data and
 *   runs on the port the restored instance had.
 */
export class SelfHostedRecovery implements RecoveryProvider {
  readonly kind = "self-hosted" as const;
  readonly store: StateStore;
  private readonly credentials: Credentials;
  private readonly runAs: RunAs | undefined;
  private readonly database: string;

  constructor(private readonly options: SelfHostedOptions) {
    this.store = new StateStore(resolve(options.stateDir));
    this.credentials = { host: options.host ?? "127.0.0.1", user: options.user ?? "postgres", password: options.password ?? "postgres" };
    this.runAs = serverUser();
    this.database = options.database ?? "postgres";
    this.prepareFolders();
  }

  get archiveDir(): string {
    return this.store.archiveDir;
  }

  /** The settings every instance runs with: archiving into this provider's archive, then extras. */
  serverSettings(): Record<string, string> {
    const timeout = this.options.archiveTimeoutSeconds;
    return { ...archivingSettings(this.archiveDir, timeout === undefined ? {} : { archiveTimeoutSeconds: timeout }), ...this.options.settings };
  }

  // ---- setting up the primary ------------------------------------------------------------------

  /**
   * Creates and starts the primary branch (initdb, archiving on) and takes its first base backup;
   * when it already exists, starts it if needed.
   */
  async initPrimary(options: { name?: string; port?: number; walSegmentSizeMb?: number } = {}): Promise<Branch> {
    const name = options.name ?? "main";
    assertBranchName(name);
    return this.store.withLock(async () => {
      const existing = this.store.read().branches.find((b) => b.primary);
      if (existing) {
        await this.ensureRunning(existing);
        return this.toBranch(this.record(existing.name));
      }
      const folder = this.store.branchDir(name);
      serverOwnedDir(folder, this.runAs, 0o755);
      const dataDir = join(folder, "data");
      this.progress(`Creating the primary branch "${name}" in ${dataDir} ...`);
      await initCluster(dataDir, {
        user: this.credentials.user,
        password: this.credentials.password,
        runAs: this.runAs,
        ...(options.walSegmentSizeMb !== undefined && { walSegmentSizeMb: options.walSegmentSizeMb }),
      });
      const port = options.port ?? (await freePort());
      const pid = await this.start(dataDir, port, this.logFile(name));
      const timeline = await this.currentTimeline(port);
      await this.rememberSegmentSize(port);
      this.store.update((state) => {
        state.branches.push({ name, dataDir, port, createdAt: new Date(), primary: true, timeline, pid });
      });
      await this.backup(this.record(name));
      return this.toBranch(this.record(name));
    });
  }

  /**
   * Registers a server someone else started (npm start's embedded one) as the primary branch. It
   * must already archive into this provider's archive (archivingSettings(provider.archiveDir)).
   */
  async adoptPrimary(options: { name?: string; dataDir: string; port: number }): Promise<Branch> {
    const name = options.name ?? "main";
    assertBranchName(name);
    const dataDir = resolve(options.dataDir);
    return this.store.withLock(async () => {
      const conn = await connect(this.url(options.port, "postgres"), { applicationName: "dbctl recovery" });
      try {
        const { rows } = await conn.query<{ mode: string; command: string }>(
          "SELECT current_setting('archive_mode') AS mode, current_setting('archive_command') AS command",
        );
        const row = rows[0];
        if (!row || row.mode === "off" || !row.command.includes(this.archiveDir)) {
          throw new RecoveryError(
            "RECOVERY_SETUP",
            `The server on port ${options.port} does not archive its WAL into ${this.archiveDir}: start it with archivingSettings() from src/ops/recovery/self-hosted.`,
          );
        }
      } finally {
        await conn.close();
      }
      const timeline = await this.currentTimeline(options.port);
      await this.rememberSegmentSize(options.port);
      const pid = runningPid(dataDir);
      this.store.update((state) => {
        const other = state.branches.find((b) => b.primary && b.name !== name);
        if (other) throw new RecoveryError("RECOVERY_SETUP", `"${other.name}" is already the primary branch of ${this.store.root}.`);
        const existing = state.branches.find((b) => b.name === name);
        if (existing) Object.assign(existing, { dataDir, port: options.port, timeline, primary: true, ...(pid && { pid }) });
        else state.branches.push({ name, dataDir, port: options.port, createdAt: new Date(), primary: true, timeline, ...(pid && { pid }) });
      });
      serverOwnedDir(this.store.branchDir(name), this.runAs, 0o755);
      return this.toBranch(this.record(name));
    });
  }

  /** A fresh base backup of a running branch (default: the primary). */
  async takeBaseBackup(branch?: string): Promise<BackupRecord> {
    return this.store.withLock(async () => this.backup(this.record(branch ?? this.primary().name)));
  }

  /** Takes a base backup unless the branch's current history already has one. */
  async ensureBaseBackup(branch?: string): Promise<BackupRecord | undefined> {
    return this.store.withLock(async () => {
      const record = this.record(branch ?? this.primary().name);
      const timeline = await this.refreshTimeline(record);
      const path = timelinePath(this.archiveDir, timeline);
      if (this.store.backups().some((b) => backupOnPath(b, path))) return undefined;
      return this.backup(record);
    });
  }

  /**
   * Closes the current WAL segment and waits until the archive has it, so everything committed
   * so far becomes restorable now rather than after archive_timeout.
   */
  async archiveCurrentWal(branch?: string, timeoutMs = 30_000): Promise<void> {
    const record = this.record(branch ?? this.primary().name);
    const conn = await connect(this.url(record.port, "postgres"), { applicationName: "dbctl recovery" });
    try {
      const { rows } = await conn.query<{ file: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS file");
      const file = rows[0]?.file as string;
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(join(this.archiveDir, file))) {
        if (Date.now() > deadline) throw new RecoveryError("RECOVERY_SETUP", `WAL segment ${file} was not archived within ${timeoutMs / 1000} s: check archive_command in the server log.`);
        await sleep(50);
      }
    } finally {
      await conn.close();
    }
  }

  // ---- the interface ---------------------------------------------------------------------------

  async listBranches(): Promise<Branch[]> {
    return this.store.read().branches.map((record) => this.toBranch(record));
  }

  async restoreWindow(options: { branch?: string } = {}): Promise<RestoreWindow> {
    const record = this.record(options.branch ?? this.primary().name);
    return (await this.history(record)).window;
  }

  async connectionString(branch: string, options: ConnectionOptions = {}): Promise<string> {
    // No pooler in front of self-hosted branches: pooled and direct are the same address.
    return this.url(this.record(branch).port, options.database ?? this.database);
  }

  async createBranch(name: string, options: CreateBranchOptions = {}): Promise<Branch> {
    assertBranchName(name);
    return this.store.withLock(async () => {
      if (this.find(name)) throw new BranchExistsError(name);
      const parent = this.record(options.parent ?? this.primary().name);
      let plan: { backup: BackupRecord; target: Target; timeline: number };
      if (options.at) {
        plan = await this.plan(parent, options.at);
      } else {
        // Head of the parent: a fresh base backup, recovered just to its end.
        if (!runningPid(parent.dataDir)) throw new RecoveryError("RECOVERY_SETUP", `Branch "${parent.name}" is not running; start it to branch from its current state.`);
        const backup = await this.backup(parent);
        plan = { backup, target: { kind: "immediate" }, timeline: backup.timeline };
      }
      const folder = this.store.branchDir(name);
      const port = await freePort();
      this.store.update((state) => {
        state.branches.push({
          name,
          dataDir: join(folder, "data"),
          port,
          parent: parent.name,
          parentTimestamp: options.at ?? new Date(),
          createdAt: new Date(),
          primary: false,
          timeline: plan.timeline,
        });
      });
      try {
        const { pid, timeline } = await this.materialize(folder, name, port, plan);
        this.store.update((state) => Object.assign(this.recordIn(state, name), { pid, timeline }));
      } catch (error) {
        this.store.update((state) => (state.branches = state.branches.filter((b) => b.name !== name)));
        rmSync(folder, { recursive: true, force: true });
        throw error;
      }
      return this.toBranch(this.record(name));
    });
  }

  async restoreBranch(name: string, options: RestoreBranchOptions): Promise<RestoreResult> {
    assertBranchName(options.preserveUnderName);
    return this.store.withLock(async () => {
      const current = this.record(name);
      if (this.find(options.preserveUnderName)) throw new BranchExistsError(options.preserveUnderName);
      const plan = await this.plan(current, options.at);

      const scratchName = `.restore-${randomBytes(4).toString("hex")}`;
      const scratch = this.store.branchDir(scratchName);
      const scratchPort = await freePort();
      let restored: { timeline: number };
      try {
        restored = await this.materialize(scratch, name, scratchPort, plan);
        await stopServer(join(scratch, "data"));
      } catch (error) {
        await stopServer(join(scratch, "data")).catch(() => {});
        rmSync(scratch, { recursive: true, force: true });
        throw error;
      }

      // The swap: the restored data takes the branch's folder and port, the old data is kept.
      this.progress(`Swapping the restored data into "${name}" and keeping the old state as "${options.preserveUnderName}" ...`);
      const wasRunning = await stopServer(current.dataDir);
      const preservedFolder = this.store.branchDir(options.preserveUnderName);
      const preservedData = join(preservedFolder, "data");
      serverOwnedDir(preservedFolder, this.runAs, 0o755);
      try {
        moveDir(current.dataDir, preservedData);
      } catch (error) {
        rmSync(preservedFolder, { recursive: true, force: true });
        rmSync(scratch, { recursive: true, force: true });
        if (wasRunning) await this.start(current.dataDir, current.port, this.logFile(name));
        throw new RestoreFailedError(`Could not move the data of "${name}" aside, so nothing was changed: ${(error as Error).message}`);
      }
      try {
        moveDir(join(scratch, "data"), current.dataDir);
      } catch (error) {
        moveDir(preservedData, current.dataDir);
        rmSync(preservedFolder, { recursive: true, force: true });
        rmSync(scratch, { recursive: true, force: true });
        if (wasRunning) await this.start(current.dataDir, current.port, this.logFile(name));
        throw new RestoreFailedError(`Could not move the restored data into place, so nothing was changed: ${(error as Error).message}`);
      }
      rmSync(scratch, { recursive: true, force: true });

      const now = new Date();
      this.store.update((state) => {
        const record = this.recordIn(state, name);
        state.branches.push({
          name: options.preserveUnderName,
          dataDir: preservedData,
          port: scratchPort,
          ...(record.parent !== undefined && { parent: record.parent }),
          ...(record.parentTimestamp !== undefined && { parentTimestamp: record.parentTimestamp }),
          createdAt: now,
          primary: false,
          timeline: record.timeline,
        });
        Object.assign(record, { timeline: restored.timeline, restoredFrom: { at: options.at, branch: name } });
      });
      const pid = await this.start(current.dataDir, current.port, this.logFile(name));
      this.store.update((state) => (this.recordIn(state, name).pid = pid));
      if (wasRunning) {
        const preservedPid = await this.start(preservedData, scratchPort, this.logFile(options.preserveUnderName));
        this.store.update((state) => (this.recordIn(state, options.preserveUnderName).pid = preservedPid));
      }
      return { branch: this.toBranch(this.record(name)), preserved: this.toBranch(this.record(options.preserveUnderName)) };
    });
  }

  async deleteBranch(name: string): Promise<void> {
    await this.store.withLock(async () => {
      const record = this.record(name);
      if (record.primary) throw new BranchIsPrimaryError(name);
      await stopServer(record.dataDir);
      rmSync(record.dataDir, { recursive: true, force: true });
      rmSync(this.store.branchDir(name), { recursive: true, force: true });
      this.store.update((state) => (state.branches = state.branches.filter((b) => b.name !== name)));
    });
  }

  // ---- running branches ------------------------------------------------------------------------

  /** Starts a stopped branch on its registered port (e.g. after the machine restarted). */
  async startBranch(name: string): Promise<Branch> {
    return this.store.withLock(async () => {
      await this.ensureRunning(this.record(name));
      return this.toBranch(this.record(name));
    });
  }

  async stopBranch(name: string): Promise<void> {
    await stopServer(this.record(name).dataDir);
  }

  /** Stops every branch's server (the data stays). */
  async stopAll(): Promise<void> {
    for (const record of this.store.read().branches) await stopServer(record.dataDir).catch(() => {});
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The base backups usable for a branch's history, the archive's reach, and the window. */
  private async history(record: BranchRecord): Promise<{ window: RestoreWindow; backups: BackupRecord[]; last: TransactionEnd; timeline: number }> {
    const timeline = await this.refreshTimeline(record);
    const segmentSize = this.store.read().walSegmentSize;
    const path = timelinePath(this.archiveDir, timeline);
    const backups = this.store.backups().filter((backup) => backupOnPath(backup, path));
    const oldest = backups[0];
    if (!oldest || !segmentSize) throw new NoRestoreWindowError(`branch "${record.name}" has no base backup yet`);
    const scan = scanArchive(this.archiveDir, path, parseLsn(oldest.startLsn), segmentSize);
    const last = scan.last;
    if (!last || last.lsn < parseLsn(oldest.stopLsn)) {
      throw new NoRestoreWindowError(`no transaction of branch "${record.name}" since its base backup has been archived yet`);
    }
    const window = { from: oldest.consistentAt, to: postgresTimeToDate(last.timestampUs) };
    if (window.to < window.from) throw new NoRestoreWindowError(`no transaction of branch "${record.name}" since its base backup has been archived yet`);
    return { window, backups, last, timeline };
  }

  /**
   * What to restore and how far to replay, checked against the archive before anything starts.
   * A Date is precise to the millisecond; the target covers every transaction that ended within
   * that millisecond (PostgreSQL keeps microseconds).
   */
  private async plan(record: BranchRecord, at: Date): Promise<{ backup: BackupRecord; target: Target; timeline: number }> {
    let history;
    try {
      history = await this.history(record);
    } catch (error) {
      if (error instanceof NoRestoreWindowError) throw new OutsideRestoreWindowError(at, undefined);
      throw error;
    }
    const { window, backups, last, timeline } = history;
    if (Number.isNaN(at.getTime()) || at < window.from || at > window.to) throw new OutsideRestoreWindowError(at, window);
    const backup = backups.filter((b) => b.consistentAt <= at).at(-1) as BackupRecord;
    // Recovery to a time stops before the first transaction end after it; the last one in the
    // archive has none after it, so the window's end is reached by its position instead.
    const target: Target =
      at.getTime() >= window.to.getTime()
        ? { kind: "lsn", at, lsn: formatLsn(last.lsn) }
        : { kind: "time", at, setting: `${at.toISOString().slice(0, 23).replace("T", " ")}999+00` };
    return { backup, target, timeline };
  }

  /**
   * A new instance from a base backup, recovered to the target along `timeline`'s history and
   * promoted (onto a new timeline), left running on `port`.
   */
  private async materialize(
    folder: string,
    label: string,
    port: number,
    plan: { backup: BackupRecord; target: Target; timeline: number },
  ): Promise<{ pid: number; timeline: number }> {
    const dataDir = join(folder, "data");
    serverOwnedDir(folder, this.runAs, 0o755);
    const describe = plan.target.kind === "immediate" ? "its current state" : plan.target.at.toISOString();
    this.progress(`Restoring base backup ${plan.backup.id} into ${dataDir} and replaying WAL to ${describe} ...`);
    if (existsSync(join(plan.backup.dataDir, "pg_tblspc")) && readdirSync(join(plan.backup.dataDir, "pg_tblspc")).length > 0) {
      throw new RecoveryError("RECOVERY_SETUP", "Branches of clusters with tablespaces are not supported by the self-hosted provider.");
    }
    await runAsServer("cp", ["-a", plan.backup.dataDir, dataDir], this.runAs);
    rmSync(join(dataDir, "backup_manifest"), { force: true });
    this.writeServerFile(join(dataDir, "recovery.signal"), "");

    const target: Record<string, string> =
      plan.target.kind === "time"
        ? { recovery_target_time: plan.target.setting, recovery_target_inclusive: "on" }
        : plan.target.kind === "lsn"
          ? { recovery_target_lsn: plan.target.lsn, recovery_target_inclusive: "on" }
          : { recovery_target: "immediate" };
    const recovery = {
      restore_command: restoreCommand(this.archiveDir),
      recovery_target_timeline: String(plan.timeline),
      recovery_target_action: "promote",
      ...target,
    };
    const logFile = join(folder, "postgres.log");
    let pid: number;
    try {
      pid = await this.start(dataDir, port, logFile, recovery);
      const timeline = await this.waitForPromotion(port, logFile);
      await this.waitForArchived(historyFileName(timeline), logFile);
      return { pid, timeline };
    } catch (error) {
      await stopServer(dataDir).catch(() => {});
      if (error instanceof RecoveryError) throw error;
      throw new RestoreFailedError(`Restoring "${label}" failed: ${(error as Error).message}`, { log: logFile });
    }
  }

  private async waitForPromotion(port: number, logFile: string): Promise<number> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 120_000);
    const conn = await connect(this.url(port, "postgres"), { applicationName: "dbctl recovery" });
    try {
      for (;;) {
        const { rows } = await conn.query<{ recovering: boolean }>("SELECT pg_is_in_recovery() AS recovering");
        if (!rows[0]?.recovering) break;
        if (Date.now() > deadline) throw new Error(`recovery did not finish in time: ${lastLines(readLog(logFile), 3)}`);
        await sleep(100);
      }
    } finally {
      await conn.close();
    }
    return this.currentTimeline(port);
  }

  /** A promoted branch's timeline history must be in the archive before anyone branches off it. */
  private async waitForArchived(file: string, logFile: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(this.archiveDir, file))) {
      if (Date.now() > deadline) throw new Error(`${file} was not archived within ${timeoutMs / 1000} s: ${lastLines(readLog(logFile), 3)}`);
      await sleep(50);
    }
  }

  private async backup(record: BranchRecord): Promise<BackupRecord> {
    if (!runningPid(record.dataDir)) throw new RecoveryError("RECOVERY_SETUP", `Branch "${record.name}" is not running, so it cannot be backed up.`);
    this.progress(`Taking a base backup of "${record.name}" ...`);
    return takeBaseBackup({
      store: this.store,
      branch: record.name,
      port: record.port,
      credentials: this.credentials,
      runAs: this.runAs,
      durable: this.options.durable ?? true,
    });
  }

  private async start(dataDir: string, port: number, logFile: string, extra: Record<string, string> = {}): Promise<number> {
    checkReachable(dataDir, this.runAs);
    return startServer({
      dataDir,
      port,
      settings: { ...this.serverSettings(), ...extra },
      logFile,
      runAs: this.runAs,
      credentials: this.credentials,
      timeoutMs: this.options.startTimeoutMs ?? 120_000,
    });
  }

  private async ensureRunning(record: BranchRecord): Promise<void> {
    if (runningPid(record.dataDir)) return;
    this.progress(`Starting branch "${record.name}" on port ${record.port} ...`);
    const pid = await this.start(record.dataDir, record.port, this.logFile(record.name));
    this.store.update((state) => (this.recordIn(state, record.name).pid = pid));
  }

  /** The timeline a branch writes on: asked from the server when it runs, else as registered. */
  private async refreshTimeline(record: BranchRecord): Promise<number> {
    if (!runningPid(record.dataDir)) return record.timeline;
    const timeline = await this.currentTimeline(record.port);
    if (timeline !== record.timeline) this.store.update((state) => (this.recordIn(state, record.name).timeline = timeline));
    return timeline;
  }

  private async currentTimeline(port: number): Promise<number> {
    const conn = await connect(this.url(port, "postgres"), { applicationName: "dbctl recovery" });
    try {
      // The first 8 hex digits of the current WAL file name are the timeline being written.
      const { rows } = await conn.query<{ file: string }>("SELECT pg_walfile_name(pg_current_wal_lsn()) AS file");
      return Number.parseInt((rows[0]?.file ?? "").slice(0, 8), 16);
    } finally {
      await conn.close();
    }
  }

  private async rememberSegmentSize(port: number): Promise<void> {
    const conn = await connect(this.url(port, "postgres"), { applicationName: "dbctl recovery" });
    try {
      const { rows } = await conn.query<{ size: string }>("SELECT current_setting('wal_segment_size') AS size");
      const size = parseSegmentSize(rows[0]?.size);
      this.store.update((state) => (state.walSegmentSize = size));
    } finally {
      await conn.close();
    }
  }

  private toBranch(record: BranchRecord): Branch {
    return {
      id: record.name,
      name: record.name,
      ...(record.parent !== undefined && { parent: record.parent }),
      ...(record.parentTimestamp !== undefined && { parentTimestamp: record.parentTimestamp }),
      createdAt: record.createdAt,
      ...(record.restoredFrom !== undefined && { restoredFrom: record.restoredFrom }),
      primary: record.primary,
      state: runningPid(record.dataDir) ? "ready" : existsSync(join(record.dataDir, "PG_VERSION")) ? "stopped" : "init",
    };
  }

  private find(name: string): BranchRecord | undefined {
    return this.store.read().branches.find((b) => b.name === name);
  }

  private record(name: string): BranchRecord {
    const record = this.find(name);
    if (!record) throw new BranchNotFoundError(name);
    return record;
  }

  private recordIn(state: { branches: BranchRecord[] }, name: string): BranchRecord {
    const record = state.branches.find((b) => b.name === name);
    if (!record) throw new BranchNotFoundError(name);
    return record;
  }

  private primary(): BranchRecord {
    const primary = this.store.read().branches.find((b) => b.primary);
    if (!primary) throw new RecoveryError("RECOVERY_SETUP", `There is no primary branch in ${this.store.root} yet.`);
    return primary;
  }

  private url(port: number, database: string): string {
    return serverUrl(this.credentials, port, database);
  }

  private logFile(name: string): string {
    const folder = this.store.branchDir(name);
    serverOwnedDir(folder, this.runAs, 0o755);
    return join(folder, "postgres.log");
  }

  private writeServerFile(path: string, content: string): void {
    writeFileSync(path, content, { mode: 0o600 });
    if (this.runAs) chownSync(path, this.runAs.uid, this.runAs.gid);
  }

  private prepareFolders(): void {
    mkdirSync(this.store.root, { recursive: true });
    chmodSync(this.store.root, 0o755);
    serverOwnedDir(this.store.archiveDir, this.runAs, 0o755);
    serverOwnedDir(this.store.backupsDir, this.runAs, 0o755);
    serverOwnedDir(join(this.store.root, "branches"), this.runAs, 0o755);
  }

  private progress(line: string): void {
    this.options.onProgress?.(line);
  }
}

/** rename(2), or copy and remove when the two places are on different file systems. */
function moveDir(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    // cp -a keeps owners and modes, which PostgreSQL checks on its data folder.
    execFileSync("cp", ["-a", from, to]);
    rmSync(from, { recursive: true, force: true });
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
