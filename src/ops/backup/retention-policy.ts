import type { Env } from "../../env.ts";

/** How long backups are kept; pure, so the Workers bundle (Neon snapshots) shares it with pg_dump backups. */

type AppEnv = Env["APP_ENV"];

/**
 * The guide's retention table: production 30 days, staging 7, development "manual, as needed"
 * (kept until someone says otherwise; tests likewise).
 */
export const DEFAULT_RETENTION_DAYS: Readonly<Record<AppEnv, number | null>> = { production: 30, staging: 7, development: null, test: null };

export interface RetentionPolicy {
  /** Only this environment's backups are pruned; others in the folder are left alone. */
  environment: AppEnv;
  /** Backups older than this many days go; null keeps them all. */
  retentionDays: number | null;
}

export function retentionPolicy(environment: AppEnv, overrideDays?: number): RetentionPolicy {
  return { environment, retentionDays: overrideDays ?? DEFAULT_RETENTION_DAYS[environment] };
}
