import type { RecoveryProvider, RestoreWindow } from "./provider.ts";
import { verifyBranch, type BranchVerification } from "./verify.ts";

export interface DrillResult {
  ok: boolean;
  branch: string;
  /**
   * The moment restored: now minus the drill's minutes, or the nearest restorable moment when
   * that is not restorable yet (newer than what is archived) or any more (older than the history).
   */
  at: Date;
  /** Set when the history is younger than the drill's minutes and its newest moment was drilled instead. */
  historyYoungerThanAsked?: boolean;
  window: RestoreWindow;
  verification?: BranchVerification;
  /** Recovery time: from asking for the branch to its verification's end (deletion not included). */
  rtoMs?: number;
  /** The throwaway branch is always deleted, even when a step fails. */
  deleted: boolean;
  problems: string[];
}

/**
 * The recovery loop, unattended, on a throwaway branch: restore the state of `minutesAgo`
 * minutes ago, verify it (connects, migrations clean, readiness query answers), delete it. The
 * scheduled point-in-time-recovery check calls this; a failure means recovery would fail too.
 */
export async function recoveryDrill(
  provider: RecoveryProvider,
  options: { minutesAgo: number; liveUrl: string; database?: string; now?: Date; log?: (line: string) => void },
): Promise<DrillResult> {
  const now = options.now ?? new Date();
  const window = await provider.restoreWindow();
  let at = new Date(now.getTime() - options.minutesAgo * 60_000);
  // Archiving lags the present by up to archive_timeout: the newest archived moment will do. A
  // history younger than the minutes asked for (a new database) is drilled at its newest moment
  // too: that restore replays every archived segment since the base backup, which proves more
  // than its oldest moment would (a state from before the app's database even existed).
  const historyYoungerThanAsked = at < window.from;
  if (at > window.to || historyYoungerThanAsked) at = window.to;
  const branch = `drill-${now.toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}`;
  const problems: string[] = [];
  let verification: BranchVerification | undefined;
  let deleted = false;
  options.log?.(`Drill: restoring ${at.toISOString()} into throwaway branch ${branch} ...`);
  let rtoMs: number | undefined;
  try {
    const began = Date.now();
    await provider.createBranch(branch, { at });
    const url = await provider.connectionString(branch, options.database ? { database: options.database } : {});
    verification = await verifyBranch(url, options.liveUrl);
    rtoMs = Date.now() - began;
    problems.push(...verification.problems);
  } catch (error) {
    problems.push((error as Error).message);
  } finally {
    try {
      if ((await provider.listBranches()).some((b) => b.name === branch)) await provider.deleteBranch(branch);
      deleted = true;
    } catch (error) {
      problems.push(`could not delete the drill branch ${branch}: ${(error as Error).message}`);
    }
  }
  return { ok: problems.length === 0 && verification?.healthy === true && deleted, branch, at, window, ...(historyYoungerThanAsked && { historyYoungerThanAsked }), ...(verification && { verification }), ...(rtoMs !== undefined && { rtoMs }), deleted, problems };
}
