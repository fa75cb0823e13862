import { getMaintenance } from "../ops/maintenance.ts";
import { recoveryDrill } from "../ops/recovery/drill.ts";
import type { RecoveryProvider } from "../ops/recovery/provider.ts";
import type { JobContext, JobDefinition, JobResult } from "./types.ts";

/**
 * The point-in-time-recovery jobs, through whichever recovery provider the runtime has: the
 * hourly check that history is long enough and archiving keeps up, the weekly drill that
 * restores into a throwaway branch and times it, and the daily prune of the self-hosted archive.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60_000;

/** The restore window a check insists on when PITR_MIN_WINDOW_DAYS is unset (Neon's free tier keeps 7 days). */
export const DEFAULT_MIN_WINDOW_DAYS = { production: 7, staging: 1, development: 0, test: 0 } as const;

function provider(ctx: JobContext): Promise<RecoveryProvider> {
  // The runner has checked the job's needs.
  return (ctx.capabilities.recovery as () => Promise<RecoveryProvider>)();
}

export async function checkPitr(ctx: JobContext): Promise<JobResult> {
  const recovery = await provider(ctx);
  const now = ctx.startedAt;
  const policyDays = ctx.config.PITR_MIN_WINDOW_DAYS ?? DEFAULT_MIN_WINDOW_DAYS[ctx.config.APP_ENV];
  const maxLagMs = ctx.config.PITR_MAX_LAG_MINUTES * MINUTE_MS;
  const problems: string[] = [];

  // Self-hosted: ask for the current WAL segment and wait until it is archived. An idle database
  // has nothing newer to restore, so how old its newest moment is says nothing; an archiver that
  // cannot keep up (or fails) does, and this is where it shows.
  let archivedInMs: number | undefined;
  if (recovery.archiveCurrentWal) {
    const began = Date.now();
    try {
      await recovery.archiveCurrentWal();
      archivedInMs = Date.now() - began;
    } catch (error) {
      problems.push(`archiving lags: ${(error as Error).message}`);
    }
  }
  const window = await recovery.restoreWindow();
  const windowDays = (now.getTime() - window.from.getTime()) / DAY_MS;
  if (windowDays < policyDays) {
    problems.push(`the restore window reaches back ${windowDays.toFixed(1)} days (from ${window.from.toISOString()}), less than the policy's ${policyDays}`);
  }
  const lagMs = Math.max(0, now.getTime() - window.to.getTime());
  if (!recovery.archiveCurrentWal && lagMs > maxLagMs) {
    problems.push(`the newest restorable moment (${window.to.toISOString()}) is ${Math.round(lagMs / MINUTE_MS)} minutes old, more than ${ctx.config.PITR_MAX_LAG_MINUTES}`);
  }
  const detail = {
    provider: recovery.kind,
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    windowDays: Math.round(windowDays * 100) / 100,
    policyDays,
    lagMs,
    ...(archivedInMs !== undefined && { archivedInMs }),
  };
  return problems.length ? { outcome: "failed", error: `${problems.join("; ")}.`, detail } : { outcome: "succeeded", detail };
}

export async function drill(ctx: JobContext): Promise<JobResult> {
  const recovery = await provider(ctx);
  const result = await recoveryDrill(recovery, { minutesAgo: ctx.config.DRILL_MINUTES_AGO, liveUrl: ctx.capabilities.directUrl as string, now: ctx.startedAt, log: ctx.log });
  const detail = {
    provider: recovery.kind,
    branch: result.branch,
    at: result.at.toISOString(),
    ...(result.historyYoungerThanAsked && { historyYoungerThanAsked: true }),
    ...(result.rtoMs !== undefined && { rtoMs: result.rtoMs }),
    deleted: result.deleted,
    ...(result.verification && { differences: result.verification.differences.length, appliedMigrations: result.verification.appliedMigrations.length }),
  };
  return result.ok ? { outcome: "succeeded", detail } : { outcome: "failed", error: `the drill failed: ${result.problems.join("; ") || "the restored branch is not healthy"}.`, detail };
}

export async function pruneArchive(ctx: JobContext): Promise<JobResult> {
  const recovery = await provider(ctx);
  if (!recovery.prune) return { outcome: "succeeded", detail: { provider: recovery.kind, note: "this provider keeps history by a setting of its own; nothing to prune" } };
  if ((await getMaintenance(ctx.sql)).enabled) {
    return { outcome: "skipped", error: "maintenance is on: recovery history is kept until it is off", detail: { reason: "maintenance" } };
  }
  const result = await recovery.prune({ windowDays: ctx.config.RECOVERY_WINDOW_DAYS, now: ctx.startedAt });
  return {
    outcome: "succeeded",
    detail: {
      provider: recovery.kind,
      keepFrom: result.keepFrom.toISOString(),
      walSegments: result.walSegments.count,
      historyFiles: result.historyFiles.count,
      baseBackups: result.baseBackups.count,
      bytesFreed: result.bytesFreed,
      ...(result.windowAfter && { windowAfter: { from: result.windowAfter.from.toISOString(), to: result.windowAfter.to.toISOString() } }),
    },
  };
}

export const pitrCheckJob: JobDefinition = {
  name: "pitr-check",
  description: "Checks the restore window covers the policy and archiving keeps up.",
  schedule: "30 * * * *",
  needs: ["recovery"],
  run: checkPitr,
};

export const recoveryDrillJob: JobDefinition = {
  name: "recovery-drill",
  description: "Restores a recent moment into a throwaway branch, verifies it, deletes it, and records the recovery time.",
  schedule: "0 4 * * 0",
  needs: ["recovery", "directUrl"],
  // A restore cannot stop halfway: the lease covers a slow one (a Worker's cron has 15 minutes).
  leaseMs: 30 * MINUTE_MS,
  run: drill,
};

export const recoveryPruneJob: JobDefinition = {
  name: "recovery-prune",
  description: "Removes WAL and base backups only needed for moments before RECOVERY_WINDOW_DAYS (self-hosted).",
  schedule: "30 3 * * *",
  needs: ["recovery"],
  leaseMs: 30 * MINUTE_MS,
  run: pruneArchive,
};
