import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Env } from "../env.ts";
import { createBackup } from "../ops/backup/create.ts";
import { listBackups } from "../ops/backup/list.ts";
import { applyPrune, planPrune, pruneCandidates, retentionPolicy } from "../ops/backup/prune.ts";
import { verifyBackup } from "../ops/backup/verify.ts";
import { recoveryProvider } from "../ops/recovery/factory.ts";
import type { RecoveryProvider } from "../ops/recovery/provider.ts";
import type { BackupStore, JobCapabilities } from "./types.ts";

/**
 * What jobs can use on Node (npm start and dbctl): pg_dump backups in BACKUP_DIR, the recovery
 * provider (Neon's API when configured, else the self-hosted WAL archive in RECOVERY_DIR once
 * npm start has set it up) and the direct URL. Kept apart from the registry so the Workers bundle
 * never reaches pg_dump, the file system or the self-hosted provider.
 */
export interface NodeCapabilityOptions {
  config: Env;
  /** The raw environment (the recovery factory reads NEON_* and RECOVERY_DIR from it). */
  env: Record<string, string | undefined>;
  directUrl: string;
  cwd: string;
  onProgress?: (line: string) => void;
}

export function backupStore(config: Env, directUrl: string, cwd: string): BackupStore {
  const dir = resolve(cwd, config.BACKUP_DIR);
  const policy = () => retentionPolicy(config.APP_ENV, config.BACKUP_RETENTION_DAYS);
  return {
    async create(now) {
      const created = await createBackup(directUrl, { dir, environment: config.APP_ENV, purpose: "scheduled", now: () => now });
      return { path: created.path, sizeBytes: created.manifest.sizeBytes, durationMs: created.manifest.durationMs };
    },
    async verify(path) {
      const result = await verifyBackup(path, directUrl);
      return { ok: result.verified, problems: result.reason ? [result.reason] : [] };
    },
    async prune(now) {
      const plan = planPrune(pruneCandidates(listBackups(dir, now)), policy(), now);
      return { deleted: applyPrune(plan), kept: plan.keep.length, retentionDays: plan.policy.retentionDays, warnings: plan.warnings };
    },
    async newestVerified() {
      for (const entry of listBackups(dir)) {
        if (entry.kind === "managed" && !entry.fileMissing && entry.manifest.environment === config.APP_ENV && entry.manifest.verification.state === "verified") {
          return { path: entry.path, createdAt: new Date(entry.manifest.createdAt) };
        }
      }
      return undefined;
    },
  };
}

/** Neon when configured; the self-hosted archive only where npm start (or dbctl) has created one. */
function recoveryCapability(options: NodeCapabilityOptions): (() => Promise<RecoveryProvider>) | undefined {
  const { env, cwd } = options;
  const neon = Boolean(env.NEON_API_KEY && env.NEON_PROJECT_ID);
  const selfHosted = existsSync(join(resolve(cwd, options.config.RECOVERY_DIR), "state.json"));
  if (!neon && !selfHosted) return undefined;
  let provider: Promise<RecoveryProvider> | undefined;
  // Built once; a failure (Neon unreachable) is not kept, so the next run tries again.
  return () =>
    (provider ??= recoveryProvider({ env, directUrl: options.directUrl, cwd, ...(options.onProgress && { onProgress: options.onProgress }) }).catch((error: unknown) => {
      provider = undefined;
      throw error;
    }));
}

export function nodeCapabilities(options: NodeCapabilityOptions): JobCapabilities {
  const recovery = recoveryCapability(options);
  return {
    backups: backupStore(options.config, options.directUrl, options.cwd),
    directUrl: options.directUrl,
    ...(recovery && { recovery }),
  };
}
