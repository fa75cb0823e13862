import { OpsError } from "../../../errors.ts";
import { connect } from "../../../sql.ts";
import { type Branch, assertNewBranchName } from "../../provider.ts";
import { HttpError, badRequest, notFound } from "./http-error.ts";
import type { EmulatorBackend, NeonEmulatorOptions } from "./options.ts";
import { type BranchRecord, type EndpointRecord, type SnapshotRecord, newId } from "./records.ts";
import { type NeonEndpoint, renderBranch, renderEndpoint, renderProject, renderSnapshot } from "./render.ts";
import { loadRecords, saveRecords } from "./state-file.ts";

/**
 * The emulated project: Neon's branches and endpoints over the backend's branches, kept in step
 * with the backend (sync), the project's snapshots (moments of a branch's history; sync drops the
 * expired ones), and the one lock requests and the ends of operations take turns on, so each
 * sees a consistent model.
 */
export class EmulatorModel {
  readonly branches = new Map<string, BranchRecord>();
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  /** Names an operation is about to give a branch: not adopted from the backend meanwhile. */
  readonly reserved = new Set<string>();
  readonly backend: EmulatorBackend;
  readonly projectId: string;
  readonly retentionSeconds: number;
  readonly role: string;
  readonly database: string;
  private readonly createdAt = new Date();
  private endpointHost = "127.0.0.1";
  private pgVersion = 17;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: NeonEmulatorOptions) {
    this.backend = options.provider;
    this.projectId = options.projectId;
    this.retentionSeconds = options.historyRetentionSeconds ?? 86_400;
    this.role = options.role ?? "postgres";
    this.database = options.database ?? "postgres";
  }

  async init(): Promise<void> {
    if (this.options.stateFile) {
      const saved = loadRecords(this.options.stateFile);
      for (const branch of saved.branches) this.branches.set(branch.id, branch);
      for (const endpoint of saved.endpoints) this.endpoints.set(endpoint.id, endpoint);
      for (const snapshot of saved.snapshots) this.snapshots.set(snapshot.id, snapshot);
    }
    await this.sync();
    const primary = [...this.branches.values()].find((b) => b.isDefault);
    if (!primary) throw new OpsError("NEON_EMULATOR_SETUP", "The emulator's backend has no primary branch: a Neon project always has a default branch.");
    try {
      const url = new URL(await this.backend.connectionString(primary.name));
      this.endpointHost = url.hostname;
      const conn = await connect(url.toString(), { applicationName: "neon-emulator" });
      try {
        const { rows } = await conn.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
        this.pgVersion = Math.floor(Number(rows[0]?.v) / 10_000) || this.pgVersion;
      } finally {
        await conn.close();
      }
    } catch {
      // A stopped primary: the defaults are fine for a project description.
    }
  }

  exclusively<T>(work: () => Promise<T> | T): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.catch(() => undefined);
    return result;
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  // ---- lookups -----------------------------------------------------------------------------------

  branch(id: string): BranchRecord {
    const branch = this.branches.get(id);
    if (!branch) throw notFound("branch not found");
    return branch;
  }

  defaultBranch(): BranchRecord {
    const found = [...this.branches.values()].find((b) => b.isDefault);
    if (!found) throw new HttpError("INTERNAL", "the backend has no primary branch", 500);
    return found;
  }

  childrenOf(id: string): BranchRecord[] {
    return [...this.branches.values()].filter((b) => b.parentId === id);
  }

  snapshot(id: string): SnapshotRecord {
    const snapshot = this.snapshots.get(id);
    if (!snapshot) throw notFound("snapshot not found");
    return snapshot;
  }

  readWriteEndpoint(branchId: string): EndpointRecord | undefined {
    return [...this.endpoints.values()].find((e) => e.branchId === branchId);
  }

  nameTaken(name: string): boolean {
    return this.reserved.has(name) || [...this.branches.values()].some((b) => b.name === name);
  }

  /** The interface's branch-name rule, answered as Neon answers a bad field. */
  assertName(name: string): void {
    try {
      assertNewBranchName(name);
    } catch (error) {
      throw badRequest(error instanceof Error ? error.message : String(error));
    }
  }

  // ---- changes -----------------------------------------------------------------------------------

  setState(branch: BranchRecord, state: BranchRecord["state"]): void {
    branch.state = state;
    branch.stateChangedAt = new Date();
  }

  settle(branch: BranchRecord, state: BranchRecord["state"]): void {
    this.setState(branch, state);
    branch.busy = false;
  }

  dropBranch(id: string): void {
    this.branches.delete(id);
    for (const e of this.endpoints.values()) if (e.branchId === id) this.endpoints.delete(e.id);
  }

  save(): void {
    if (this.options.stateFile) {
      saveRecords(this.options.stateFile, { branches: this.branches.values(), endpoints: this.endpoints.values(), snapshots: this.snapshots.values() });
    }
  }

  async ensureRunning(branch: BranchRecord): Promise<void> {
    if (!this.backend.startBranch) return;
    const current = (await this.backend.listBranches()).find((b) => b.name === branch.name);
    if (current?.state === "stopped") await this.backend.startBranch(branch.name);
  }

  /** Adopts branches the backend has and the model lacks (made by dbctl, or before a restart), drops vanished ones and expired snapshots. */
  async sync(): Promise<void> {
    await this.deleteExpiredBranches();
    const actual = await this.backend.listBranches();
    const byName = new Map(actual.map((b) => [b.name, b]));
    let changed = this.dropExpiredSnapshots();
    const known = new Map([...this.branches.values()].map((b) => [b.name, b]));
    const adopted: Array<[BranchRecord, Branch]> = [];
    for (const branch of [...actual].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
      const record = known.get(branch.name);
      if (record) {
        if (record.isDefault !== branch.primary) {
          record.isDefault = branch.primary;
          changed = true;
        }
        continue;
      }
      if (this.reserved.has(branch.name)) continue;
      const adoptedRecord: BranchRecord = {
        id: newId("br"),
        name: branch.name,
        ...(branch.parentTimestamp && { parentTimestamp: branch.parentTimestamp.toISOString() }),
        createdAt: branch.createdAt,
        updatedAt: branch.createdAt,
        stateChangedAt: branch.createdAt,
        state: "ready",
        isDefault: branch.primary,
        busy: false,
      };
      this.branches.set(adoptedRecord.id, adoptedRecord);
      known.set(branch.name, adoptedRecord);
      adopted.push([adoptedRecord, branch]);
      // Every backend branch is a server of its own: a compute.
      const endpoint: EndpointRecord = { id: newId("ep"), branchId: adoptedRecord.id, createdAt: branch.createdAt, updatedAt: branch.createdAt, state: "active" };
      this.endpoints.set(endpoint.id, endpoint);
      changed = true;
    }
    for (const [record, branch] of adopted) {
      const parentId = branch.parent ? known.get(branch.parent)?.id : undefined;
      if (parentId) record.parentId = parentId;
    }
    for (const record of [...this.branches.values()]) {
      if (record.busy || byName.has(record.name)) continue;
      this.dropBranch(record.id);
      changed = true;
    }
    for (const endpoint of this.endpoints.values()) {
      const branch = this.branches.get(endpoint.branchId);
      const state = branch && byName.get(branch.name)?.state;
      if (endpoint.state !== "init") endpoint.state = state === "stopped" ? "idle" : "active";
    }
    if (changed) this.save();
  }

  /**
   * Neon deletes a branch by itself once its expires_at has passed (a background job, "may not
   * occur exactly at the specified time"); here the next request past it does. A branch with
   * children or one an operation is changing waits.
   */
  async deleteExpiredBranches(now = Date.now()): Promise<void> {
    for (const branch of [...this.branches.values()]) {
      if (!branch.expiresAt || branch.expiresAt.getTime() > now || branch.busy || branch.isDefault || this.childrenOf(branch.id).length) continue;
      this.log(`branch ${branch.id} (${branch.name}) expired at ${branch.expiresAt.toISOString()}: deleting it`);
      await this.backend.deleteBranch(branch.name).catch((error: Error) => this.log(`deleting expired branch ${branch.name} failed: ${error.message}`));
    }
  }

  /** Neon deletes a snapshot by itself once its expires_at has passed. Its branch being gone changes nothing. */
  dropExpiredSnapshots(now = Date.now()): boolean {
    let dropped = false;
    for (const snapshot of this.snapshots.values()) {
      if (snapshot.expiresAt && Date.parse(snapshot.expiresAt) <= now) {
        this.snapshots.delete(snapshot.id);
        dropped = true;
      }
    }
    return dropped;
  }

  // ---- rendering ---------------------------------------------------------------------------------

  renderSnapshot(snapshot: SnapshotRecord) {
    return renderSnapshot(snapshot);
  }

  renderBranch(branch: BranchRecord) {
    return renderBranch(branch, this.projectId);
  }

  renderEndpoint(endpoint: EndpointRecord): NeonEndpoint {
    return renderEndpoint(endpoint, this.projectId, this.endpointHost);
  }

  renderProject() {
    return renderProject({
      id: this.projectId,
      name: this.options.projectName ?? this.projectId,
      createdAt: this.createdAt,
      pgVersion: this.pgVersion,
      host: this.endpointHost,
      historyRetentionSeconds: this.retentionSeconds,
    });
  }
}
