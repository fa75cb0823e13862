/**
 * Point-in-time recovery, one interface for two real implementations: Neon (its HTTP API, where
 * branches are copy-on-write) and self-hosted PostgreSQL (WAL archive + base backups, where a
 * branch is a PostgreSQL instance of its own). The shape follows Neon's branch model: a project
 * has one primary branch (Neon's `default`), branches fork from a parent at a point in time, and
 * a restore rewinds a branch in place while keeping what it replaced as a new branch.
 */

import { OpsError } from "../errors.ts";

export interface Branch {
  /** Neon's branch id; the self-hosted provider uses the name. */
  id: string;
  name: string;
  /** The branch this one was forked from (by name); none for the root branch. */
  parent?: string;
  /** The moment of the parent's history this branch started from (Neon's parent_timestamp). */
  parentTimestamp?: Date;
  createdAt: Date;
  /** Set when the branch was last restored in place: to which moment, from which branch's history. */
  restoredFrom?: { at: Date; branch: string };
  /** The branch the application uses (Neon's `default`); it cannot be deleted. */
  primary: boolean;
  /** ready: accepts connections; stopped: kept but not running (self-hosted); init: being created. */
  state: "ready" | "stopped" | "init";
  /** When the branch is to be deleted (Neon's expires_at: Neon deletes it itself; self-hosted: `dbctl preview prune`). */
  expiresAt?: Date;
}

/** The span of history a branch can be restored to, both ends included. */
export interface RestoreWindow {
  from: Date;
  to: Date;
}

export interface CreateBranchOptions {
  /** Defaults to the primary branch. */
  parent?: string;
  /** A moment of the parent's history; defaults to its current state (head). */
  at?: Date;
  /** When the branch is to be deleted (Neon's expires_at, at most 30 days out); never by default. */
  expiresAt?: Date;
}

export interface RestoreBranchOptions {
  /** The moment to rewind to; must lie inside restoreWindow(). */
  at: Date;
  /** The replaced state stays available as a new branch under this name. */
  preserveUnderName: string;
}

export interface RestoreResult {
  /** The restored branch: same name, same connection string, the state of `at`. */
  branch: Branch;
  /** What the branch held just before the restore. */
  preserved: Branch;
}

export interface ConnectionOptions {
  /** Through the provider's connection pooler, where it has one (Neon); self-hosted has none. */
  pooled?: boolean;
  /** Database on the branch; defaults to the provider's configured database. */
  database?: string;
}

export interface RecoveryProvider {
  readonly kind: "neon" | "self-hosted";
  listBranches(): Promise<Branch[]>;
  /** A new branch holding the parent's state at `at` (or now). */
  createBranch(name: string, options?: CreateBranchOptions): Promise<Branch>;
  /** Rewinds `branch` in place to `at`; its connection string keeps working. */
  restoreBranch(branch: string, options: RestoreBranchOptions): Promise<RestoreResult>;
  deleteBranch(name: string): Promise<void>;
  /** How far back (and forward) `branch` (default: the primary) can be restored. */
  restoreWindow(options?: { branch?: string }): Promise<RestoreWindow>;
  connectionString(branch: string, options?: ConnectionOptions): Promise<string>;
  /**
   * Makes the newest moments restorable before a window is read or a restore is asked for
   * (self-hosted: archive the current WAL segment). Providers without such a lag (Neon) omit it.
   */
  archiveCurrentWal?(): Promise<void>;
  /**
   * Removes history only needed for moments before `now - windowDays` (self-hosted: WAL segments,
   * timeline history files and base backups of its archive). Providers whose history retention is
   * a setting of theirs (Neon) omit it.
   */
  prune?(options: PruneOptions): Promise<PruneResult>;
  /**
   * Snapshots: a named, kept copy of a branch at a moment (Neon's snapshots API), what the
   * scheduled backup takes where there is no pg_dump (Workers) and the backup check looks for.
   * Providers without them (self-hosted, whose backups are pg_dump files) omit all three.
   */
  /**
   * Takes a snapshot of `options.branch` (default: the primary) at `options.at` (default: now);
   * a moment outside the branch's restore window is OUTSIDE_RESTORE_WINDOW and takes nothing.
   */
  createSnapshot?(name: string, options?: CreateSnapshotOptions): Promise<Snapshot>;
  /** Every snapshot of the project, newest first (by createdAt); one whose branch is gone stays. */
  listSnapshots?(): Promise<Snapshot[]>;
  /** Deletes a snapshot by id; an unknown id is SNAPSHOT_NOT_FOUND. */
  deleteSnapshot?(id: string): Promise<void>;
}

export interface Snapshot {
  id: string;
  name: string;
  /** The branch it was taken from (by name; Neon's branch id once that branch is deleted), when the provider says. */
  sourceBranch?: string;
  /** The moment of the branch's history it holds. */
  at: Date;
  createdAt: Date;
  /** When the provider deletes it by itself (Neon's expires_at), if ever. */
  expiresAt?: Date;
}

export interface CreateSnapshotOptions {
  /** Defaults to the primary branch. */
  branch?: string;
  /** A moment inside the branch's restore window; defaults to now. */
  at?: Date;
  /** When the provider is to delete it by itself; must lie in the future (else INVALID_SNAPSHOT). */
  expiresAt?: Date;
}

export interface PruneOptions {
  /** Every moment from now - windowDays to now stays restorable (RECOVERY_WINDOW_DAYS). */
  windowDays: number;
  /** Report what would be removed and remove nothing. */
  dryRun?: boolean;
  /** The present the window is measured back from; defaults to the clock. */
  now?: Date;
}

/** One kind of thing prune removed (or would remove): how many, their size on disk, their names. */
export interface PrunedFiles {
  count: number;
  bytes: number;
  /** File names in the WAL archive, or base backup ids; oldest first. */
  names: string[];
}

export interface PruneResult {
  dryRun: boolean;
  /** now - windowDays: every moment from here to now stays restorable. */
  keepFrom: Date;
  /** WAL segment files (with the .partial and .backup files that go with them). */
  walSegments: PrunedFiles;
  /** Timeline history files of timelines no branch can reach any more. */
  historyFiles: PrunedFiles;
  baseBackups: PrunedFiles;
  /** The three sizes added up. */
  bytesFreed: number;
  /** The primary's restore window before the prune, when it has one. */
  windowBefore?: RestoreWindow;
  /** The primary's restore window after the prune (on a dry run: what it would be). */
  windowAfter?: RestoreWindow;
}

export type RecoveryErrorCode =
  | "OUTSIDE_RESTORE_WINDOW"
  | "NO_RESTORE_WINDOW"
  | "BRANCH_EXISTS"
  | "BRANCH_NOT_FOUND"
  | "BRANCH_IS_PRIMARY"
  | "INVALID_BRANCH_NAME"
  | "BRANCH_HAS_CHILDREN"
  | "SNAPSHOT_NOT_FOUND"
  | "INVALID_SNAPSHOT"
  | "RESTORE_FAILED"
  | "RECOVERY_SETUP";

/** Every recovery error: a stable code for machines and one sentence for people. */
export class RecoveryError extends OpsError {
  override name = "RecoveryError";
  declare readonly code: RecoveryErrorCode;
  constructor(code: RecoveryErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }
}

export class OutsideRestoreWindowError extends RecoveryError {
  override name = "OutsideRestoreWindowError";
  constructor(at: Date, window: RestoreWindow | undefined) {
    super(
      "OUTSIDE_RESTORE_WINDOW",
      window
        ? `${at.toISOString()} is outside the restore window (${window.from.toISOString()} to ${window.to.toISOString()}).`
        : `${at.toISOString()} cannot be restored: there is no restore window yet.`,
      { at: at.toISOString(), ...(window && { from: window.from.toISOString(), to: window.to.toISOString() }) },
    );
  }
}

export class NoRestoreWindowError extends RecoveryError {
  override name = "NoRestoreWindowError";
  constructor(reason: string) {
    super("NO_RESTORE_WINDOW", `There is no restore window yet: ${reason}.`);
  }
}

export class BranchExistsError extends RecoveryError {
  override name = "BranchExistsError";
  constructor(name: string) {
    super("BRANCH_EXISTS", `A branch named "${name}" already exists.`, { branch: name });
  }
}

export class BranchNotFoundError extends RecoveryError {
  override name = "BranchNotFoundError";
  constructor(name: string) {
    super("BRANCH_NOT_FOUND", `There is no branch named "${name}".`, { branch: name });
  }
}

export class BranchIsPrimaryError extends RecoveryError {
  override name = "BranchIsPrimaryError";
  constructor(name: string) {
    super("BRANCH_IS_PRIMARY", `"${name}" is the primary branch and cannot be deleted.`, { branch: name });
  }
}

/** Neon refuses to delete a branch that others were forked from; so does the self-hosted provider. */
export class BranchHasChildrenError extends RecoveryError {
  override name = "BranchHasChildrenError";
  constructor(name: string, children: readonly string[]) {
    super(
      "BRANCH_HAS_CHILDREN",
      `"${name}" has child branches (${children.join(", ")}) and cannot be deleted; delete them first.`,
      { branch: name, children: [...children] },
    );
  }
}

export class SnapshotNotFoundError extends RecoveryError {
  override name = "SnapshotNotFoundError";
  constructor(id: string) {
    super("SNAPSHOT_NOT_FOUND", `There is no snapshot with id "${id}".`, { snapshot: id });
  }
}

export class InvalidBranchNameError extends RecoveryError {
  override name = "InvalidBranchNameError";
  constructor(name: string) {
    super(
      "INVALID_BRANCH_NAME",
      `"${name}" is not a valid branch name: use 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
      { branch: name },
    );
  }
}

export class RestoreFailedError extends RecoveryError {
  override name = "RestoreFailedError";
  constructor(message: string, details?: Record<string, unknown>) {
    super("RESTORE_FAILED", message, details);
  }
}

/** Names both providers accept (the self-hosted one turns them into folder names). */
const BRANCH_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Preview branches are the one place a `/` is allowed: `preview/<git branch>`, as Neon's GitHub
 * and Vercel integrations name them (Neon allows `/` in branch names). Each segment starts with a
 * letter or digit, so none is empty, `.` or `..`; 63 characters in all, as plain names.
 */
const PREVIEW_BRANCH_NAME = /^preview(\/[A-Za-z0-9][A-Za-z0-9._-]*)+$/;

export function assertBranchName(name: string): void {
  if (!BRANCH_NAME.test(name)) throw new InvalidBranchNameError(name);
}

export function isPreviewBranchName(name: string): boolean {
  return name.length <= 63 && PREVIEW_BRANCH_NAME.test(name);
}

/** What createBranch accepts: a plain name, or a preview branch's `preview/…` name. */
export function assertNewBranchName(name: string): void {
  if (!isPreviewBranchName(name)) assertBranchName(name);
}
