import { closeSync, existsSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { BranchNotFoundError, RecoveryError } from "../provider.ts";

/**
 * What the self-hosted provider keeps on disk, under its state folder:
 *
 *   state.json               the branch registry (below) and the WAL segment size
 *   lock                     held (with the holder's pid) while an operation changes anything
 *   archive/                 the WAL archive every instance writes to (segments, .history, .backup)
 *   backups/<id>/data        a base backup (pg_basebackup -Fp -X none), never started
 *   backups/<id>/backup.json when it was taken, its WAL range and timeline
 *   branches/<name>/data     a branch's data folder (the primary's may live elsewhere, e.g. .data/pg);
 *                            a preview's `/` is `%2F` in its folder name (branchDir)
 *   branches/<name>/postgres.log
 */

const isoDate = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

export const branchRecordSchema = z.object({
  name: z.string(),
  dataDir: z.string(),
  port: z.number().int().positive(),
  parent: z.string().optional(),
  parentTimestamp: isoDate.optional(),
  createdAt: isoDate,
  restoredFrom: z.object({ at: isoDate, branch: z.string() }).optional(),
  primary: z.boolean(),
  /** The WAL timeline the branch writes on; a restore or a new branch starts a new one. */
  timeline: z.number().int().positive(),
  /** Postmaster pid when last started by us (informational: postmaster.pid is the truth). */
  pid: z.number().int().optional(),
  /** A preview's expiry: `dbctl preview prune` deletes the branch past it (nothing here does by itself). */
  expiresAt: isoDate.optional(),
});
export type BranchRecord = z.output<typeof branchRecordSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  walSegmentSize: z.number().int().positive().optional(),
  branches: z.array(branchRecordSchema),
});
export type State = z.output<typeof stateSchema>;

export const backupRecordSchema = z.object({
  id: z.string(),
  /** The branch it was taken from, and that branch's timeline then. */
  branch: z.string(),
  timeline: z.number().int().positive(),
  startLsn: z.string(),
  stopLsn: z.string(),
  startedAt: isoDate,
  /** Server time after the backup ended: restores to this moment or later can use it. */
  consistentAt: isoDate,
  walSegmentSize: z.number().int().positive(),
});
export type BackupRecord = z.output<typeof backupRecordSchema> & { dataDir: string };

export class StateStore {
  constructor(readonly root: string) {}

  get archiveDir() {
    return join(this.root, "archive");
  }
  get backupsDir() {
    return join(this.root, "backups");
  }
  /**
   * One folder per branch, directly under branches/: a preview's `preview/feature/x` is
   * `preview%2Ffeature%2Fx` (names hold no `%`, so the encoding is one-to-one).
   */
  branchDir(name: string) {
    return join(this.root, "branches", name.replaceAll("/", "%2F"));
  }

  read(): State {
    const file = join(this.root, "state.json");
    if (!existsSync(file)) return { version: 1, branches: [] };
    const parsed = stateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) throw new Error(`${file} is not a recovery state file: ${parsed.error.issues[0]?.message ?? "invalid"}.`);
    return parsed.data;
  }

  write(state: State): void {
    const file = join(this.root, "state.json");
    writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  update(change: (state: State) => void): State {
    const state = this.read();
    change(state);
    this.write(state);
    return state;
  }

  findBranch(name: string): BranchRecord | undefined {
    return this.read().branches.find((b) => b.name === name);
  }

  branch(name: string): BranchRecord {
    return branchIn(this.read(), name);
  }

  primaryBranch(): BranchRecord {
    const primary = this.read().branches.find((b) => b.primary);
    if (!primary) throw new RecoveryError("RECOVERY_SETUP", `There is no primary branch in ${this.root} yet.`);
    return primary;
  }

  /** The branches forked from `name` (their parent is it). */
  childrenOf(name: string): BranchRecord[] {
    return this.read().branches.filter((b) => b.parent === name);
  }

  backups(): BackupRecord[] {
    if (!existsSync(this.backupsDir)) return [];
    const records: BackupRecord[] = [];
    for (const id of readdirSync(this.backupsDir)) {
      const file = join(this.backupsDir, id, "backup.json");
      if (!existsSync(file)) continue; // unfinished or being removed
      const parsed = backupRecordSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      if (parsed.success) records.push({ ...parsed.data, dataDir: join(this.backupsDir, id, "data") });
    }
    return records.sort((a, b) => a.consistentAt.getTime() - b.consistentAt.getTime());
  }

  writeBackup(record: Omit<BackupRecord, "dataDir">): void {
    const plain = { ...record, startedAt: record.startedAt.toISOString(), consistentAt: record.consistentAt.toISOString() };
    writeFileSync(join(this.backupsDir, record.id, "backup.json"), `${JSON.stringify(plain, null, 2)}\n`);
  }

  /**
   * One changing operation at a time, across processes: a lock file holding the holder's pid,
   * taken over when that process is gone.
   */
  async withLock<T>(work: () => Promise<T>, waitMs = 120_000): Promise<T> {
    const file = join(this.root, "lock");
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        const fd = openSync(file, "wx");
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = Number.parseInt(readFileSync(file, "utf8") || "0", 10);
        if (!holder || !processAlive(holder)) {
          rmSync(file, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new Error(`Another recovery operation (pid ${holder}) holds ${file}.`);
        await sleep(100);
      }
    }
    try {
      return await work();
    } finally {
      rmSync(file, { force: true });
    }
  }
}

/** A branch's record inside a state being changed by update(). */
export function branchIn(state: State, name: string): BranchRecord {
  const record = state.branches.find((b) => b.name === name);
  if (!record) throw new BranchNotFoundError(name);
  return record;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
