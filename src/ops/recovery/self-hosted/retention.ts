import type { RestoreWindow } from "../provider.ts";
import { backupOnPath } from "./backups.ts";
import type { BranchHistory } from "./restore-window.ts";
import type { BackupRecord, BranchRecord } from "./state.ts";
import { type TimelineSpan, parseLsn, parseSegmentFileName } from "./wal.ts";

/**
 * What a prune of the self-hosted archive keeps and what it removes, decided from the registry,
 * the base backups and the archive's file names alone (nothing is touched here; prune.ts applies
 * the plan). The promise kept: every moment from `keepFrom` to now stays restorable on the
 * primary, and no existing branch loses the newest moment it can be restored to.
 *
 * How a restore uses the archive (restore-window.ts, recover-instance.ts): the newest base backup
 * on the branch's timeline ancestry consistent by the moment is copied, then recovery reads WAL
 * from that backup's start LSN onwards, segment by segment, along the ancestry, and finds the
 * ancestry in the history file of the branch's timeline. So a restore needs its backup, the
 * segments from the backup's start on, and one history file; nothing older.
 */

export interface BranchView {
  record: BranchRecord;
  /** The timeline it writes on now. */
  timeline: number;
  path: TimelineSpan[];
  /** Undefined when the branch has no restore window yet. */
  history: BranchHistory | undefined;
}

export interface RetentionInput {
  keepFrom: Date;
  branches: BranchView[];
  /** Every base backup with its record, oldest first. */
  backups: BackupRecord[];
  /** Names in backups/ without a backup.json: the remains of an interrupted backup or prune. */
  unfinishedBackups: string[];
  /** Every file name in the archive. */
  archiveFiles: string[];
  segmentSize: number | undefined;
  /** The ancestry of a timeline (its history file), or just itself when that file is missing. */
  ancestry: (timeline: number) => number[];
}

export interface RetentionPlan {
  /** Base backup ids to remove, oldest first (unfinished folders first of all). */
  backups: string[];
  /** Archive files to remove, oldest segment first. */
  walFiles: string[];
  historyFiles: string[];
  /** The primary's window once the plan is applied (the archive's end does not move). */
  primaryWindowAfter: RestoreWindow | undefined;
}

/** Segment files, the .partial a promotion leaves of its old timeline's last segment, and backup labels. */
const SEGMENT_FILE = /^([0-9A-F]{24})(\.partial|\.[0-9A-F]{8}\.backup)?$/;
const HISTORY_FILE = /^([0-9A-F]{8})\.history$/;

export function planRetention(input: RetentionInput): RetentionPlan {
  const kept = keptBackups(input);
  const keptRecords = input.backups.filter((b) => kept.has(b.id));
  const removedBackups = [...input.unfinishedBackups, ...input.backups.filter((b) => !kept.has(b.id)).map((b) => b.id)];
  // Without any base backup nothing is restorable and no WAL is known to be unneeded: keep it.
  if (keptRecords.length === 0 || !input.segmentSize) {
    return { backups: removedBackups, walFiles: [], historyFiles: [], primaryWindowAfter: primaryWindowAfter(input, kept) };
  }

  // Every restore starts at a kept backup's start LSN, so a segment wholly before the oldest of
  // them is read by none, whatever its timeline (LSNs are shared by all timelines: a timeline
  // forks from its parent at an LSN and counts on from there). The segment holding that LSN stays.
  const size = BigInt(input.segmentSize);
  const firstNeededSegment = keptRecords.map((b) => parseLsn(b.startLsn) / size).reduce((a, b) => (a < b ? a : b));
  const walFiles: { name: string; segno: bigint; timeline: number }[] = [];
  const remainingTimelines = new Set<number>();
  for (const name of input.archiveFiles) {
    const match = SEGMENT_FILE.exec(name);
    const segment = match && parseSegmentFileName(match[1] as string, input.segmentSize);
    if (!segment) continue; // history files are decided below; anything else (a .tmp an archive_command is still writing) is not ours to touch
    if (segment.segno < firstNeededSegment) walFiles.push({ name, ...segment });
    else remainingTimelines.add(segment.timeline);
  }
  walFiles.sort((a, b) => (a.segno === b.segno ? a.timeline - b.timeline || a.name.localeCompare(b.name) : a.segno < b.segno ? -1 : 1));

  // History files are kept for every timeline still reachable: the ancestry of each branch's
  // timeline (its restores read that history file), of every kept backup's timeline and of every
  // timeline with WAL left in the archive. A history file is also what makes the next promotion
  // skip its timeline id (PostgreSQL takes the first id above its own without a history file), so
  // one goes only when nothing of its timeline is left either: a later reuse of the id then
  // collides with no archived file.
  const reachable = new Set<number>();
  const roots = [...input.branches.map((b) => b.timeline), ...keptRecords.map((b) => b.timeline), ...remainingTimelines];
  for (const timeline of roots) for (const ancestor of input.ancestry(timeline)) reachable.add(ancestor);
  const historyFiles = input.archiveFiles
    .filter((name) => {
      const match = HISTORY_FILE.exec(name);
      return match !== null && !reachable.has(Number.parseInt(match[1] as string, 16));
    })
    .sort();

  return { backups: removedBackups, walFiles: walFiles.map((f) => f.name), historyFiles, primaryWindowAfter: primaryWindowAfter(input, kept) };
}

/**
 * The base backups that stay, each for a reason:
 * - the newest one: the cheapest start for any restore to come, and the only one a branch
 *   created later from a quiet primary can use;
 * - every one consistent after keepFrom: restores to moments inside the window start from them;
 * - for each branch, the newest one on its ancestry consistent by keepFrom, the one a restore to
 *   keepFrom itself starts from. For a branch whose last restorable moment is older than keepFrom
 *   (a preserved or quiet branch) that is the newest one consistent by that moment instead, so
 *   the branch can still be restored to its newest moment. A branch with no window yet keeps the
 *   same one by keepFrom, or its oldest one: the start of the window it will have once it commits.
 */
function keptBackups(input: RetentionInput): Set<string> {
  const kept = new Set<string>();
  const newest = input.backups.at(-1);
  if (newest) kept.add(newest.id);
  for (const backup of input.backups) if (backup.consistentAt > input.keepFrom) kept.add(backup.id);
  for (const branch of input.branches) {
    const onPath = input.backups.filter((backup) => backupOnPath(backup, branch.path));
    const lastMoment = branch.history?.window.to;
    const cut = lastMoment && lastMoment < input.keepFrom ? lastMoment : input.keepFrom;
    const start = onPath.filter((backup) => backup.consistentAt <= cut).at(-1) ?? onPath[0];
    if (start) kept.add(start.id);
  }
  return kept;
}

function primaryWindowAfter(input: RetentionInput, kept: Set<string>): RestoreWindow | undefined {
  const history = input.branches.find((b) => b.record.primary)?.history;
  const oldest = history?.backups.find((backup) => kept.has(backup.id));
  return history && oldest ? { from: oldest.consistentAt, to: history.window.to } : undefined;
}
