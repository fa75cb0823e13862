import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../embedded/postgres.ts";
import { connect } from "../../sql.ts";
import {
  type Branch,
  type ConnectionOptions,
  type CreateBranchOptions,
  type PruneOptions,
  type PruneResult,
  type RecoveryProvider,
  type RestoreBranchOptions,
  type RestoreResult,
  type RestoreWindow,
  BranchExistsError,
  BranchHasChildrenError,
  BranchIsPrimaryError,
  RecoveryError,
  assertBranchName,
  assertNewBranchName,
} from "../provider.ts";
import { backupOnPath } from "./backups.ts";
import { Instances, type SelfHostedOptions } from "./instances.ts";
import { prune } from "./prune.ts";
import { recoverInstance } from "./recover-instance.ts";
import { restoreInPlace } from "./restore-in-place.ts";
import { type RestorePlan, branchHistory, planRestore } from "./restore-window.ts";
import { initCluster, runningPid, serverOwnedDir, stopServer } from "./server.ts";
import { type BackupRecord, type StateStore, branchIn } from "./state.ts";
import { timelinePath } from "./wal.ts";

export type { SelfHostedOptions } from "./instances.ts";

/**
 * Point-in-time recovery on self-hosted PostgreSQL. Every branch is a PostgreSQL instance with a
 * data folder and a port of its own; all of them archive WAL into one archive, each on its own
 * timeline (promotion after a recovery picks the next free timeline, found through the history
 * files in the archive), so any branch's past can be restored from a base backup plus the archive.
 *
 * - createBranch(at) restores the newest base backup on the parent's timeline ancestry that was
 *   consistent by `at`, replays the archive up to `at` and promotes: a new instance on a new port
 *   (recover-instance.ts).
 * - restoreBranch(b, at) builds the same thing, then swaps it into b's folder and port
 *   (restore-in-place.ts).
 * - restoreWindow reads the archive (restore-window.ts); prune removes what no moment of the
 *   retention window needs (retention.ts, prune.ts).
 */
export class SelfHostedRecovery implements RecoveryProvider {
  readonly kind = "self-hosted" as const;
  private readonly instances: Instances;

  constructor(options: SelfHostedOptions) {
    this.instances = new Instances(options);
  }

  get store(): StateStore {
    return this.instances.store;
  }

  get archiveDir(): string {
    return this.instances.archiveDir;
  }

  /** The settings every instance runs with: archiving into this provider's archive, then extras. */
  serverSettings(): Record<string, string> {
    return this.instances.serverSettings();
  }

  // ---- setting up the primary ------------------------------------------------------------------

  /**
   * Creates and starts the primary branch (initdb, archiving on) and takes its first base backup;
   * when it already exists, starts it if needed.
   */
  async initPrimary(options: { name?: string; port?: number; walSegmentSizeMb?: number } = {}): Promise<Branch> {
    const name = options.name ?? "main";
    assertBranchName(name);
    const { instances, store } = this;
    return store.withLock(async () => {
      const existing = store.read().branches.find((b) => b.primary);
      if (existing) {
        await instances.ensureRunning(existing);
        return instances.branch(existing.name);
      }
      const folder = store.branchDir(name);
      serverOwnedDir(folder, instances.runAs, 0o755);
      const dataDir = join(folder, "data");
      instances.progress(`Creating the primary branch "${name}" in ${dataDir} ...`);
      await initCluster(dataDir, {
        user: instances.credentials.user,
        password: instances.credentials.password,
        runAs: instances.runAs,
        ...(options.walSegmentSizeMb !== undefined && { walSegmentSizeMb: options.walSegmentSizeMb }),
      });
      const port = options.port ?? (await freePort());
      const pid = await instances.start(dataDir, port, instances.logFile(name));
      const timeline = await instances.currentTimeline(port);
      await instances.rememberSegmentSize(port);
      store.update((state) => {
        state.branches.push({ name, dataDir, port, createdAt: new Date(), primary: true, timeline, pid });
      });
      await instances.backup(store.branch(name));
      return instances.branch(name);
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
    const { instances, store } = this;
    return store.withLock(async () => {
      const conn = await connect(instances.url(options.port, "postgres"), { applicationName: "dbctl recovery" });
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
      const timeline = await instances.currentTimeline(options.port);
      await instances.rememberSegmentSize(options.port);
      const pid = runningPid(dataDir);
      store.update((state) => {
        const other = state.branches.find((b) => b.primary && b.name !== name);
        if (other) throw new RecoveryError("RECOVERY_SETUP", `"${other.name}" is already the primary branch of ${store.root}.`);
        const existing = state.branches.find((b) => b.name === name);
        if (existing) Object.assign(existing, { dataDir, port: options.port, timeline, primary: true, ...(pid && { pid }) });
        else state.branches.push({ name, dataDir, port: options.port, createdAt: new Date(), primary: true, timeline, ...(pid && { pid }) });
      });
      serverOwnedDir(store.branchDir(name), instances.runAs, 0o755);
      return instances.branch(name);
    });
  }

  /** A fresh base backup of a running branch (default: the primary). */
  async takeBaseBackup(branch?: string): Promise<BackupRecord> {
    return this.store.withLock(async () => this.instances.backup(this.store.branch(branch ?? this.store.primaryBranch().name)));
  }

  /** Takes a base backup unless the branch's current history already has one. */
  async ensureBaseBackup(branch?: string): Promise<BackupRecord | undefined> {
    return this.store.withLock(async () => {
      const record = this.store.branch(branch ?? this.store.primaryBranch().name);
      const timeline = await this.instances.refreshTimeline(record);
      const path = timelinePath(this.archiveDir, timeline);
      if (this.store.backups().some((b) => backupOnPath(b, path))) return undefined;
      return this.instances.backup(record);
    });
  }

  /**
   * Closes the current WAL segment and waits until the archive has it, so everything committed
   * so far becomes restorable now rather than after archive_timeout.
   */
  async archiveCurrentWal(branch?: string, timeoutMs = 30_000): Promise<void> {
    const record = this.store.branch(branch ?? this.store.primaryBranch().name);
    const conn = await connect(this.instances.url(record.port, "postgres"), { applicationName: "dbctl recovery" });
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
    return this.store.read().branches.map((record) => this.instances.toBranch(record));
  }

  async restoreWindow(options: { branch?: string } = {}): Promise<RestoreWindow> {
    const record = this.store.branch(options.branch ?? this.store.primaryBranch().name);
    return branchHistory(this.store, record, await this.instances.refreshTimeline(record)).window;
  }

  async connectionString(branch: string, options: ConnectionOptions = {}): Promise<string> {
    // No pooler in front of self-hosted branches: pooled and direct are the same address.
    return this.instances.url(this.store.branch(branch).port, options.database ?? this.instances.database);
  }

  async createBranch(name: string, options: CreateBranchOptions = {}): Promise<Branch> {
    assertNewBranchName(name);
    const { instances, store } = this;
    return store.withLock(async () => {
      if (store.findBranch(name)) throw new BranchExistsError(name);
      const parent = store.branch(options.parent ?? store.primaryBranch().name);
      let plan: RestorePlan;
      if (options.at) {
        plan = planRestore(store, parent, await instances.refreshTimeline(parent), options.at);
      } else {
        // Head of the parent: a fresh base backup, recovered just to its end.
        if (!runningPid(parent.dataDir)) throw new RecoveryError("RECOVERY_SETUP", `Branch "${parent.name}" is not running; start it to branch from its current state.`);
        const backup = await instances.backup(parent);
        plan = { backup, target: { kind: "immediate" }, timeline: backup.timeline };
      }
      const folder = store.branchDir(name);
      const port = await freePort();
      store.update((state) => {
        state.branches.push({
          name,
          dataDir: join(folder, "data"),
          port,
          parent: parent.name,
          parentTimestamp: options.at ?? new Date(),
          createdAt: new Date(),
          primary: false,
          timeline: plan.timeline,
          ...(options.expiresAt && { expiresAt: options.expiresAt }),
        });
      });
      try {
        const { pid, timeline } = await recoverInstance(instances, folder, name, port, plan);
        store.update((state) => Object.assign(branchIn(state, name), { pid, timeline }));
      } catch (error) {
        store.update((state) => (state.branches = state.branches.filter((b) => b.name !== name)));
        rmSync(folder, { recursive: true, force: true });
        throw error;
      }
      return instances.branch(name);
    });
  }

  async restoreBranch(name: string, options: RestoreBranchOptions): Promise<RestoreResult> {
    assertBranchName(options.preserveUnderName);
    return this.store.withLock(async () => restoreInPlace(this.instances, name, options));
  }

  /** Refuses the primary and a branch others were forked from (as Neon does); then removes it entirely. */
  async deleteBranch(name: string): Promise<void> {
    await this.store.withLock(async () => {
      const record = this.store.branch(name);
      if (record.primary) throw new BranchIsPrimaryError(name);
      const children = this.store.childrenOf(name).map((child) => child.name);
      if (children.length > 0) throw new BranchHasChildrenError(name, children);
      await stopServer(record.dataDir);
      rmSync(record.dataDir, { recursive: true, force: true });
      rmSync(this.store.branchDir(name), { recursive: true, force: true });
      this.store.update((state) => (state.branches = state.branches.filter((b) => b.name !== name)));
    });
  }

  /**
   * Removes the base backups, WAL and timeline history only needed for moments before
   * now - windowDays; every moment since stays restorable, and every branch keeps its newest
   * restorable moment. See retention.ts for what is kept and why.
   */
  async prune(options: PruneOptions): Promise<PruneResult> {
    return this.store.withLock(async () => prune(this.instances, options));
  }

  // ---- running branches ------------------------------------------------------------------------

  /** Starts a stopped branch on its registered port (e.g. after the machine restarted). */
  async startBranch(name: string): Promise<Branch> {
    return this.store.withLock(async () => {
      await this.instances.ensureRunning(this.store.branch(name));
      return this.instances.branch(name);
    });
  }

  async stopBranch(name: string): Promise<void> {
    await stopServer(this.store.branch(name).dataDir);
  }

  /** Stops every branch's server (the data stays). */
  async stopAll(): Promise<void> {
    for (const record of this.store.read().branches) await stopServer(record.dataDir).catch(() => {});
  }
}
