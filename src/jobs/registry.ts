import { Cron } from "croner";
import { ConfigError, type Env } from "../env.ts";
import { backupCheckJob, backupJob } from "./backup-jobs.ts";
import { previewPruneJob } from "./preview-jobs.ts";
import { pitrCheckJob, recoveryDrillJob, recoveryPruneJob } from "./recovery-jobs.ts";
import { retentionJob } from "./retention.ts";
import type { JobDefinition } from "./types.ts";

/**
 * Every job, once, with its default schedule (cron, UTC). The Workers cron handler, Vercel's
 * cron route, npm start's scheduler and `dbctl jobs` all read this list; wrangler.toml's and
 * vercel.json's crons are checked against it by a test.
 */
export const JOBS: readonly JobDefinition[] = [retentionJob, pitrCheckJob, recoveryDrillJob, backupJob, backupCheckJob, recoveryPruneJob, previewPruneJob];

export const JOB_NAMES = JOBS.map((job) => job.name);

export function findJob(name: string): JobDefinition | undefined {
  return JOBS.find((job) => job.name === name);
}

/** A JOB_SCHEDULES the registry cannot read: a configuration error like any other bad variable. */
export class ScheduleError extends ConfigError {
  override name = "ScheduleError";
}

/** Throws when croner cannot read the expression. Five fields (minute precision, as Workers and Vercel have) or six (seconds, Node only). */
export function assertCron(expression: string, where: string): void {
  try {
    new Cron(expression, { paused: true, mode: "5-or-6-parts" }).stop();
  } catch (error) {
    throw new ScheduleError(`${where}: "${expression}" is not a cron expression (${(error as Error).message}).`);
  }
}

/**
 * JOB_SCHEDULES: `name=cron;name=off`, overriding the defaults per environment. Names and
 * expressions are checked, so a typo fails at start instead of never running.
 */
export function parseScheduleOverrides(text: string | undefined): Map<string, string | null> {
  const overrides = new Map<string, string | null>();
  for (const entry of (text ?? "").split(";").map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    const name = eq < 0 ? entry : entry.slice(0, eq).trim();
    const value = eq < 0 ? "" : entry.slice(eq + 1).trim();
    if (!findJob(name)) throw new ScheduleError(`JOB_SCHEDULES: there is no job named "${name}" (jobs: ${JOB_NAMES.join(", ")}).`);
    if (!value) throw new ScheduleError(`JOB_SCHEDULES: "${name}" needs a cron expression or off, as in ${name}=0 3 * * *.`);
    if (value === "off") overrides.set(name, null);
    else {
      assertCron(value, `JOB_SCHEDULES ${name}`);
      overrides.set(name, value);
    }
  }
  return overrides;
}

export interface ScheduledJob {
  job: JobDefinition;
  /** null: not scheduled here (off, or not this environment's job); it can still be run by hand. */
  schedule: string | null;
}

/** Each job's schedule in this configuration: the override, else the default where the job belongs. */
export function schedules(config: Pick<Env, "APP_ENV" | "JOB_SCHEDULES">): ScheduledJob[] {
  const overrides = parseScheduleOverrides(config.JOB_SCHEDULES);
  return JOBS.map((job) => {
    if (overrides.has(job.name)) return { job, schedule: overrides.get(job.name) ?? null };
    const here = !job.environments || job.environments.includes(config.APP_ENV);
    return { job, schedule: here ? job.schedule : null };
  });
}

/** The jobs a cron trigger runs (Workers' `controller.cron` is the expression as wrangler.toml spells it). */
export function jobsForCron(cron: string, config: Pick<Env, "APP_ENV" | "JOB_SCHEDULES">): JobDefinition[] {
  const normalized = cron.trim().replace(/\s+/g, " ");
  return schedules(config)
    .filter((entry) => entry.schedule?.replace(/\s+/g, " ") === normalized)
    .map((entry) => entry.job);
}
