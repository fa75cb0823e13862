import type { Env } from "../env.ts";
import type { RecoveryProvider } from "../ops/recovery/provider.ts";
import type { SqlClient } from "../ops/sql.ts";

/**
 * Scheduled jobs are plain functions of (database, clock, configuration, provider) returning a
 * result. Nothing here knows the runtime: the Workers cron handler, Vercel's cron route,
 * `npm start`'s scheduler and `dbctl jobs run` all hand the same registry their own deps.
 */

/** The present, as a job sees it: tests move it; the database's own clock still keeps leases. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** pg_dump backups (Node only: Workers cannot run pg_dump). */
export interface BackupStore {
  /** Dumps the live database into the backups folder with its manifest. */
  create(now: Date): Promise<{ path: string; sizeBytes: number; durationMs: number }>;
  /** Restores it into a scratch database and checks it; records the verdict in its manifest. */
  verify(path: string): Promise<{ ok: boolean; problems: string[] }>;
  /** The guide's retention table for this environment; the newest verified backup always stays. */
  prune(now: Date): Promise<{ deleted: string[]; kept: number; retentionDays: number | null; warnings: string[] }>;
  /** The newest backup of this environment proven restorable, if any. */
  newestVerified(): Promise<{ path: string; createdAt: Date } | undefined>;
}

/** What a runtime can offer beyond the database; a job that needs a missing one cannot run there. */
export interface JobCapabilities {
  /** The recovery provider (Neon's API or the self-hosted WAL archive), built on first use. */
  recovery?: () => Promise<RecoveryProvider>;
  backups?: BackupStore;
  /** The live database's direct URL, which the drill compares its restored branch with. */
  directUrl?: string;
}

export type Capability = keyof JobCapabilities;

export interface JobDeps extends JobCapabilities {
  /** The app's database, pooled or direct: every statement a job sends stands on its own. */
  sql: SqlClient;
  config: Env;
  clock?: Clock;
  /** Where alerts go (defaults to the global fetch). */
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/** What a runtime hands the app for its job routes: everything but the request's database and the configuration. */
export type JobRuntime = Omit<JobDeps, "sql" | "config">;

export interface TimeBudget {
  readonly ms: number;
  /** True once the job should stop and leave the rest to its next run. */
  exhausted(): boolean;
}

export interface JobContext {
  sql: SqlClient;
  config: Env;
  clock: Clock;
  /** The clock when the run started: every cutoff is measured back from it. */
  startedAt: Date;
  budget: TimeBudget;
  capabilities: JobCapabilities;
  log(line: string): void;
}

export interface JobResult {
  /** failed: the job could not do its work, or a check found something unhealthy. */
  outcome: "succeeded" | "failed" | "partial" | "skipped";
  /** Rows affected per table. */
  rows?: Record<string, number>;
  detail?: Record<string, unknown>;
  /** Why it failed (or was skipped), one sentence. */
  error?: string;
}

export interface JobDefinition {
  name: string;
  description: string;
  /** Cron expression (UTC, five fields) of its default schedule. */
  schedule: string;
  needs: readonly Capability[];
  /** At least one of these, on top of `needs`. */
  needsAny?: readonly Capability[];
  /** Scheduled by default only in these environments (the guide: development backs up by hand); runnable anywhere. */
  environments?: readonly Env["APP_ENV"][];
  /** How long a run may hold the job's lease; a holder that dies frees it after this. */
  leaseMs?: number;
  run(ctx: JobContext): Promise<JobResult>;
}

export type Trigger = "schedule" | "http" | "cli";

export type JobOutcome = "succeeded" | "failed" | "skipped" | "partial";

/** One JobRun row. */
export interface JobRunRecord {
  id: string;
  job: string;
  trigger: Trigger;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: JobOutcome | null;
  rows: Record<string, number> | null;
  error: string | null;
  detail: Record<string, unknown> | null;
}
