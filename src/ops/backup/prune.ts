import { rmSync } from "node:fs";
import type { Env } from "../../env.ts";
import type { ListedBackup } from "./list.ts";
import type { RetentionPolicy } from "./retention-policy.ts";
import { manifestPathFor, type Manifest } from "./manifest.ts";

export { DEFAULT_RETENTION_DAYS, retentionPolicy, type RetentionPolicy } from "./retention-policy.ts";

type AppEnv = Env["APP_ENV"];

export interface PruneCandidate {
  path: string;
  environment: AppEnv;
  createdAt: string;
  verification: Manifest["verification"]["state"];
  /** The manifest is there but its dump is not: it can be cleaned up, and it protects nothing. */
  fileMissing?: boolean;
}

export interface PruneDecision extends PruneCandidate {
  ageDays: number;
  reason: string;
}

export interface PrunePlan {
  policy: RetentionPolicy;
  keep: PruneDecision[];
  delete: PruneDecision[];
  warnings: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;

/**
 * Which backups go, as a pure function of (backups, policy, now). A backup goes when it is older
 * than the retention (strictly: exactly 30 days old stays), except the newest verified backup of
 * the environment, which stays whatever its age: it is the one proven way back.
 */
export function planPrune(backups: readonly PruneCandidate[], policy: RetentionPolicy, now: Date): PrunePlan {
  const newestFirst = [...backups].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.path.localeCompare(a.path));
  const ours = newestFirst.filter((b) => b.environment === policy.environment);
  const newestVerified = ours.find((b) => b.verification === "verified" && !b.fileMissing);
  const keep: PruneDecision[] = [];
  const remove: PruneDecision[] = [];
  for (const backup of newestFirst) {
    const ageMs = now.getTime() - Date.parse(backup.createdAt);
    const decision = (reason: string): PruneDecision => ({ ...backup, ageDays: Math.floor((ageMs / DAY_MS) * 10) / 10, reason });
    if (backup.environment !== policy.environment) keep.push(decision(`another environment's backup (${backup.environment})`));
    else if (policy.retentionDays === null) keep.push(decision(`${policy.environment} keeps every backup until told how long to keep them`));
    else if (ageMs <= policy.retentionDays * DAY_MS) keep.push(decision(`within ${days(policy.retentionDays)}`));
    else if (backup === newestVerified) keep.push(decision("the newest verified backup is always kept"));
    else remove.push(decision(`older than ${days(policy.retentionDays)}`));
  }
  const warnings: string[] = [];
  if (ours.length > 0 && !keep.some((b) => b.environment === policy.environment && b.verification === "verified" && !b.fileMissing)) {
    warnings.push(`No verified ${policy.environment} backup is kept; prove one restorable with \`dbctl backup verify <file>\`.`);
  }
  return { policy, keep, delete: remove, warnings };
}

/** The managed backups of a listing, as the planner sees them. */
export function pruneCandidates(listing: readonly ListedBackup[]): PruneCandidate[] {
  return listing.flatMap((entry) =>
    entry.kind === "managed"
      ? [{ path: entry.path, environment: entry.manifest.environment, createdAt: entry.manifest.createdAt, verification: entry.manifest.verification.state, fileMissing: entry.fileMissing }]
      : [],
  );
}

/** Deletes each planned backup with its manifest (the dump first: a manifest alone shows as a missing file). */
export function applyPrune(plan: PrunePlan): string[] {
  const deleted: string[] = [];
  for (const backup of plan.delete) {
    rmSync(backup.path, { force: true });
    rmSync(manifestPathFor(backup.path), { force: true });
    deleted.push(backup.path);
  }
  return deleted;
}
