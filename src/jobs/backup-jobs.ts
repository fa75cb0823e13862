import { retentionPolicy } from "../ops/backup/retention-policy.ts";
import type { RecoveryProvider, Snapshot } from "../ops/recovery/provider.ts";
import type { JobContext, JobDefinition, JobResult } from "./types.ts";

/**
 * The guide's Backup Strategy, scheduled: production daily, kept 30 days; staging daily, kept 7.
 * Where pg_dump runs (Node) the backup is a dump, restored into a scratch database to prove it,
 * then the folder is pruned by the same table `dbctl backup prune` uses. On Neon it is a snapshot
 * through Neon's snapshots API, expiring by the same table and pruned by it too. The check fails
 * when the newest proven backup or snapshot is older than BACKUP_MAX_AGE_HOURS (26: a day and
 * some slack for a slow dump).
 */

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Our scheduled snapshots: the only ones the prune may delete. */
export const SNAPSHOT_PREFIX = "backup-";

async function snapshotProvider(ctx: JobContext): Promise<RecoveryProvider | undefined> {
  if (!ctx.capabilities.recovery) return undefined;
  const recovery = await ctx.capabilities.recovery();
  return recovery.createSnapshot && recovery.listSnapshots ? recovery : undefined;
}

/** backup-20310301T020000.000Z: sorts as it was taken, and two runs in one second do not share a name. */
const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, "");

function retentionDays(ctx: JobContext): number | null {
  return retentionPolicy(ctx.config.APP_ENV, ctx.config.BACKUP_RETENTION_DAYS).retentionDays;
}

export async function backup(ctx: JobContext): Promise<JobResult> {
  const problems: string[] = [];
  const detail: Record<string, unknown> = { retentionDays: retentionDays(ctx) };
  const { backups } = ctx.capabilities;
  const snapshots = await snapshotProvider(ctx);
  if (!backups && !snapshots) return { outcome: "failed", error: "there is no way to back up here: no pg_dump (Node) and no provider with snapshots (Neon)." };

  if (backups) {
    const created = await backups.create(ctx.startedAt);
    const verified = await backups.verify(created.path);
    if (!verified.ok) problems.push(`the new backup ${created.path} did not verify: ${verified.problems.join("; ")}`);
    const pruned = await backups.prune(ctx.clock.now());
    detail.dump = { path: created.path, sizeBytes: created.sizeBytes, durationMs: created.durationMs, verified: verified.ok, pruned: pruned.deleted, kept: pruned.kept, warnings: pruned.warnings };
  }
  if (snapshots) {
    const days = retentionDays(ctx);
    // Room first: Neon keeps at most BACKUP_SNAPSHOT_LIMIT manual snapshots per project (10; 1 on
    // its free plan). The newest of ours is never deleted before the new one exists.
    const pruned = await pruneSnapshots(snapshots, { days, keep: Math.max(1, ctx.config.BACKUP_SNAPSHOT_LIMIT - 1), now: ctx.clock.now() });
    const snapshot = await (snapshots.createSnapshot as NonNullable<RecoveryProvider["createSnapshot"]>)(`${SNAPSHOT_PREFIX}${stamp(ctx.startedAt)}`, {
      ...(days !== null && { expiresAt: new Date(ctx.startedAt.getTime() + days * DAY_MS) }),
    });
    detail.snapshot = { id: snapshot.id, name: snapshot.name, at: snapshot.at.toISOString(), pruned };
  }
  return problems.length ? { outcome: "failed", error: `${problems.join("; ")}.`, detail } : { outcome: "succeeded", detail };
}

/** Deletes our snapshots older than the retention, and the oldest beyond `keep`; the newest one always stays. */
async function pruneSnapshots(provider: RecoveryProvider, policy: { days: number | null; keep: number; now: Date }): Promise<string[]> {
  const ours = (await (provider.listSnapshots as NonNullable<RecoveryProvider["listSnapshots"]>)())
    .filter((s) => s.name.startsWith(SNAPSHOT_PREFIX))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const doomed = ours.filter((s, i) => i > 0 && (i >= policy.keep || (policy.days !== null && policy.now.getTime() - s.createdAt.getTime() > policy.days * DAY_MS)));
  for (const snapshot of doomed) await (provider.deleteSnapshot as NonNullable<RecoveryProvider["deleteSnapshot"]>)(snapshot.id);
  return doomed.map((s) => s.name);
}

export async function checkBackups(ctx: JobContext): Promise<JobResult> {
  const { backups } = ctx.capabilities;
  const snapshots = await snapshotProvider(ctx);
  if (!backups && !snapshots) return { outcome: "failed", error: "there is nothing to check: no pg_dump backups folder (Node) and no provider with snapshots (Neon)." };
  const maxAgeMs = ctx.config.BACKUP_MAX_AGE_HOURS * HOUR_MS;
  const dump = backups ? await backups.newestVerified() : undefined;
  let snapshot: Snapshot | undefined;
  if (snapshots) {
    const list = await (snapshots.listSnapshots as NonNullable<RecoveryProvider["listSnapshots"]>)();
    snapshot = list.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  }
  const newest = [dump && { kind: "dump", name: dump.path, at: dump.createdAt }, snapshot && { kind: "snapshot", name: snapshot.name, at: snapshot.createdAt }]
    .filter((b): b is { kind: string; name: string; at: Date } => Boolean(b))
    .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  if (!newest) return { outcome: "failed", error: "there is no verified backup or snapshot at all.", detail: { maxAgeHours: ctx.config.BACKUP_MAX_AGE_HOURS } };
  const ageHours = (ctx.startedAt.getTime() - newest.at.getTime()) / HOUR_MS;
  const detail = { newest: { kind: newest.kind, name: newest.name, at: newest.at.toISOString() }, ageHours: Math.round(ageHours * 10) / 10, maxAgeHours: ctx.config.BACKUP_MAX_AGE_HOURS };
  return ageHours * HOUR_MS > maxAgeMs
    ? { outcome: "failed", error: `the newest verified backup (${newest.name}) is ${ageHours.toFixed(1)} hours old, more than ${ctx.config.BACKUP_MAX_AGE_HOURS}.`, detail }
    : { outcome: "succeeded", detail };
}

export const backupJob: JobDefinition = {
  name: "backup",
  description: "Takes the daily backup (pg_dump, verified by a restore; or a Neon snapshot) and prunes by the guide's retention.",
  schedule: "0 2 * * *",
  needs: [],
  needsAny: ["backups", "recovery"],
  environments: ["production", "staging"],
  leaseMs: 60 * 60 * 1000,
  run: backup,
};

export const backupCheckJob: JobDefinition = {
  name: "backup-check",
  description: "Fails when the newest verified backup or snapshot is older than BACKUP_MAX_AGE_HOURS.",
  schedule: "0 */6 * * *",
  needs: [],
  needsAny: ["backups", "recovery"],
  environments: ["production", "staging"],
  run: checkBackups,
};
