import { retentionPolicy } from "../backup/retention-policy.ts";
import { schedules } from "../../jobs/registry.ts";
import { failInProduction, pass, type DoctorCheck } from "./check.ts";
import type { DoctorFacts } from "./facts.ts";

/**
 * The guide's Data Retention: every table's cutoff is defined (env.ts gives each a default, so
 * this reports them) and the retention job that applies them is scheduled; backups keep the
 * guide's table (production 30 days, staging 7, development by hand).
 */
const policies: DoctorCheck<DoctorFacts> = {
  group: "retention",
  name: "retention policies",
  run(facts) {
    const c = facts.config;
    const backups = retentionPolicy(c.APP_ENV, c.BACKUP_RETENTION_DAYS).retentionDays;
    const detail = {
      errorLogDays: c.RETENTION_ERROR_LOG_DAYS,
      metricDays: c.RETENTION_METRIC_DAYS,
      softDeleteDays: c.RETENTION_SOFT_DELETE_DAYS,
      jobRunDays: c.RETENTION_JOB_RUN_DAYS,
      backupDays: backups,
      schedule: schedules(c).find((s) => s.job.name === "retention")?.schedule ?? null,
    };
    const summary = `ErrorLog ${detail.errorLogDays} d, metrics ${detail.metricDays} d, soft-deleted ${detail.softDeleteDays} d, JobRun ${detail.jobRunDays} d, backups ${backups === null ? "kept (manual)" : `${backups} d`}`;
    if (!detail.schedule) return failInProduction(c.APP_ENV, `${summary}, but the retention job is switched off: remove retention=off from JOB_SCHEDULES.`, detail);
    return pass(`${summary}; the retention job runs on "${detail.schedule}".`, detail);
  },
};

export const RETENTION_CHECKS = [policies];
