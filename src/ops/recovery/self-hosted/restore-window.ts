import { NoRestoreWindowError, OutsideRestoreWindowError, type RestoreWindow } from "../provider.ts";
import { backupOnPath } from "./backups.ts";
import type { BackupRecord, BranchRecord, StateStore } from "./state.ts";
import { type TimelineSpan, type TransactionEnd, formatLsn, parseLsn, postgresTimeToDate, scanArchive, timelinePath } from "./wal.ts";

/**
 * How far back and forward a branch can be restored, read from the archive and the base
 * backups: from the oldest base backup on the branch's timeline ancestry (once consistent) to the
 * last transaction end the archive holds along that ancestry.
 */

export interface BranchHistory {
  window: RestoreWindow;
  /** The base backups on the branch's ancestry, oldest first. */
  backups: BackupRecord[];
  last: TransactionEnd;
  timeline: number;
  path: TimelineSpan[];
}

/** A recovery target as PostgreSQL takes it, decided from the archive before anything starts. */
export type Target = { kind: "time"; at: Date; setting: string } | { kind: "lsn"; at: Date; lsn: string } | { kind: "immediate" };

/** Which base backup to restore, how far to replay, and along which timeline's history. */
export interface RestorePlan {
  backup: BackupRecord;
  target: Target;
  timeline: number;
}

/** The history of `record` as it writes on `timeline`; NoRestoreWindowError when there is none yet. */
export function branchHistory(store: StateStore, record: BranchRecord, timeline: number): BranchHistory {
  const segmentSize = store.read().walSegmentSize;
  const path = timelinePath(store.archiveDir, timeline);
  const backups = store.backups().filter((backup) => backupOnPath(backup, path));
  const oldest = backups[0];
  if (!oldest || !segmentSize) throw new NoRestoreWindowError(`branch "${record.name}" has no base backup yet`);
  const scan = scanArchive(store.archiveDir, path, parseLsn(oldest.startLsn), segmentSize);
  const last = scan.last;
  if (!last || last.lsn < parseLsn(oldest.stopLsn)) {
    throw new NoRestoreWindowError(`no transaction of branch "${record.name}" since its base backup has been archived yet`);
  }
  const window = { from: oldest.consistentAt, to: postgresTimeToDate(last.timestampUs) };
  if (window.to < window.from) throw new NoRestoreWindowError(`no transaction of branch "${record.name}" since its base backup has been archived yet`);
  return { window, backups, last, timeline, path };
}

/** branchHistory, or undefined when the branch has no restore window yet. */
export function branchHistoryIfAny(store: StateStore, record: BranchRecord, timeline: number): BranchHistory | undefined {
  try {
    return branchHistory(store, record, timeline);
  } catch (error) {
    if (error instanceof NoRestoreWindowError) return undefined;
    throw error;
  }
}

/**
 * What to restore and how far to replay, checked against the archive before anything starts.
 * A Date is precise to the millisecond; the target covers every transaction that ended within
 * that millisecond (PostgreSQL keeps microseconds).
 */
export function planRestore(store: StateStore, record: BranchRecord, timeline: number, at: Date): RestorePlan {
  const history = branchHistoryIfAny(store, record, timeline);
  if (!history) throw new OutsideRestoreWindowError(at, undefined);
  const { window, backups, last } = history;
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
