import type { Branch as NeonBranch, Project } from "@neondatabase/api-client";
import { sentence } from "../../text.ts";
import { type RestoreWindow, NoRestoreWindowError, OutsideRestoreWindowError, RecoveryError } from "../provider.ts";
import type { ApiFailure } from "./api-errors.ts";
import { isDefault } from "./branches.ts";

/**
 * Neon's restore window: the project's history retention up to now; a branch other than the
 * default one has no history before its creation.
 */
export function windowOf(project: Project, branch: NeonBranch, now = new Date()): RestoreWindow {
  const retention = project.history_retention_seconds;
  if (!retention || retention <= 0) throw new NoRestoreWindowError(`Neon project ${project.id} keeps no history (history_retention_seconds is 0)`);
  let from = new Date(now.getTime() - retention * 1000);
  const created = Date.parse(branch.created_at);
  if (!isDefault(branch) && created > from.getTime()) from = new Date(Math.min(created, now.getTime()));
  return { from, to: now };
}

export function assertInside(at: Date, window: RestoreWindow): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new RecoveryError("OUTSIDE_RESTORE_WINDOW", "The moment to restore to is not a valid date.");
  }
  if (at < window.from || at > window.to) throw new OutsideRestoreWindowError(at, window);
}

/**
 * A refusal of a timestamp the window allowed (the server knows better, e.g. history that is not
 * there yet) is still a time outside the window; Neon's message goes into the details.
 */
export function outsideIfAboutTime(failure: ApiFailure, at: Date, window: RestoreWindow): RecoveryError | undefined {
  if ((failure.status === 400 || failure.status === 422) && /timestamp|lsn|history|retention|window|before|after|future/i.test(failure.message)) {
    const error = new OutsideRestoreWindowError(at, window);
    error.message = sentence(`${at.toISOString()} is outside the history Neon can restore: ${failure.message}`);
    if (error.details) error.details.reason = failure.message;
    return error;
  }
  return undefined;
}
