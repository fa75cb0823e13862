import { closeSync, existsSync, fsyncSync, lstatSync, openSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { OpsError } from "../../errors.ts";
import type { PrunedFiles, PruneOptions, PruneResult } from "../provider.ts";
import type { Instances } from "./instances.ts";
import { branchHistoryIfAny } from "./restore-window.ts";
import { type BranchView, planRetention } from "./retention.ts";
import { timelinePath } from "./wal.ts";

const DAY_MS = 86_400_000;

const pruneOptionsSchema = z.object({
  windowDays: z.number().finite().nonnegative(),
  dryRun: z.boolean().optional(),
  now: z.date().optional(),
});

/**
 * Retention for the self-hosted archive (the policy is retention.ts's): removes the base backups,
 * WAL segments and timeline history files only needed for moments before now - windowDays.
 * Call it holding the store's lock, so no backup, branch or restore runs meanwhile; the servers
 * keep archiving, but only segments newer than anything removed.
 *
 * Crash-safe by order: a prune stopped at any point leaves an archive in which every remaining
 * base backup can still be restored to every moment the window says. Base backups go first,
 * oldest first, each by deleting its backup.json before its files (without it the backup no
 * longer exists for anyone; the folder left by a crash is removed by the next prune); then WAL,
 * oldest segment first, which no remaining backup reads any more; history files last, once
 * nothing of their timeline is left. Running prune again finishes an interrupted one.
 */
export async function prune(instances: Instances, options: PruneOptions): Promise<PruneResult> {
  const parsed = pruneOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new OpsError("INVALID_PRUNE_OPTIONS", "Prune needs windowDays, a number of days of 0 or more, and now, when given, a valid date.");
  }
  const { windowDays, dryRun = false, now = new Date() } = parsed.data;
  const { store } = instances;
  const keepFrom = new Date(now.getTime() - windowDays * DAY_MS);
  const archiveDir = store.archiveDir;

  const branches: BranchView[] = [];
  for (const record of store.read().branches) {
    // Read only: a dry run writes nothing, not even a refreshed timeline into the registry.
    const timeline = await instances.liveTimeline(record);
    branches.push({ record, timeline, path: timelinePath(archiveDir, timeline), history: branchHistoryIfAny(store, record, timeline) });
  }
  const backups = store.backups();
  const known = new Set(backups.map((b) => b.id));
  // Under the lock no backup is being taken, so a folder without backup.json is what an
  // interrupted backup or prune left behind.
  const unfinishedBackups = readdirSync(store.backupsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !known.has(entry.name) && !existsSync(join(store.backupsDir, entry.name, "backup.json")))
    .map((entry) => entry.name)
    .sort();
  const plan = planRetention({
    keepFrom,
    branches,
    backups,
    unfinishedBackups,
    archiveFiles: readdirSync(archiveDir),
    segmentSize: store.read().walSegmentSize,
    ancestry: (timeline) => {
      try {
        return timelinePath(archiveDir, timeline).map((span) => span.timeline);
      } catch {
        return [timeline];
      }
    },
  });

  const baseBackups = measure(plan.backups, (id) => join(store.backupsDir, id));
  const walSegments = measure(plan.walFiles, (name) => join(archiveDir, name));
  const historyFiles = measure(plan.historyFiles, (name) => join(archiveDir, name));
  const windowBefore = branches.find((b) => b.record.primary)?.history?.window;

  if (!dryRun) {
    const total = plan.backups.length + plan.walFiles.length + plan.historyFiles.length;
    if (total > 0) instances.progress(`Pruning ${plan.backups.length} base backups, ${plan.walFiles.length} WAL files and ${plan.historyFiles.length} history files before ${keepFrom.toISOString()} ...`);
    for (const id of plan.backups) {
      rmSync(join(store.backupsDir, id, "backup.json"), { force: true });
      if (instances.durable) syncDir(join(store.backupsDir, id));
      rmSync(join(store.backupsDir, id), { recursive: true, force: true });
    }
    // The backups' removal must be on disk before the WAL they needed goes.
    if (instances.durable && plan.backups.length > 0) syncDir(store.backupsDir);
    for (const name of [...plan.walFiles, ...plan.historyFiles]) rmSync(join(archiveDir, name), { force: true });
    if (instances.durable && total > 0) syncDir(archiveDir);
  }

  const primary = branches.find((b) => b.record.primary);
  const windowAfter = dryRun || !primary ? plan.primaryWindowAfter : branchHistoryIfAny(store, primary.record, primary.timeline)?.window;
  return {
    dryRun,
    keepFrom,
    walSegments,
    historyFiles,
    baseBackups,
    bytesFreed: walSegments.bytes + historyFiles.bytes + baseBackups.bytes,
    ...(windowBefore && { windowBefore }),
    ...(windowAfter && { windowAfter }),
  };
}

function measure(names: string[], pathOf: (name: string) => string): PrunedFiles {
  return { count: names.length, bytes: names.reduce((sum, name) => sum + diskUsage(pathOf(name)), 0), names };
}

/**
 * Bytes a file or folder takes on disk (what removing it frees): allocated blocks, not lengths,
 * since the archive's early-switched segments are sparse copies.
 */
export function diskUsage(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  const own = stat.blocks * 512;
  if (!stat.isDirectory()) return own;
  return readdirSync(path).reduce((sum, entry) => sum + diskUsage(join(path, entry)), own);
}

function syncDir(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
