import { z } from "zod";
import { envObject, loadEnv, type Env } from "../env.ts";
import { nodeCapabilities } from "../jobs/node-capabilities.ts";
import { findJob, JOB_NAMES } from "../jobs/registry.ts";
import type { JobCapabilities } from "../jobs/types.ts";
import { CliError, type CliContext } from "./command.ts";
import { resolveDatabaseUrl, type ResolvedUrl } from "./database-url.ts";

/**
 * What every `dbctl jobs` command starts from: the jobs' configuration, the live database (its
 * direct URL), and what jobs can use from here: the same pg_dump backups, recovery provider and
 * direct URL npm start's scheduler hands them (jobs/node-capabilities.ts).
 */

/**
 * The variables jobs read, by the families env.ts names them in: an unrelated bad setting (PORT,
 * a pool size) must not stop a job. NEON_* are read by the recovery provider from the raw environment;
 * the API key is read here too, so a job's error is stored and printed without it.
 */
const JOB_VARIABLE = /^(APP_ENV$|NEON_API_KEY$|JOBS?_|RETENTION_|PITR_|DRILL_|BACKUP_|RECOVERY_|ALERT_)/;
const JOB_VARIABLES = Object.keys(envObject.shape).filter((key) => JOB_VARIABLE.test(key));

export function jobsConfig(ctx: Pick<CliContext, "env">): Env {
  return loadEnv(Object.fromEntries(JOB_VARIABLES.map((key) => [key, ctx.env[key]])));
}

export interface JobSession {
  target: ResolvedUrl;
  config: Env;
  capabilities: JobCapabilities;
}

export function openJobs(flags: { url?: string | undefined }, ctx: CliContext, onProgress?: (line: string) => void): JobSession {
  const config = jobsConfig(ctx);
  // The leases are rows, which hold through a pooler, but this URL is also the jobs' direct URL
  // (pg_dump, the recovery provider, the drill): a pooled one is refused like any operation's.
  const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
  const capabilities = nodeCapabilities({ config, env: ctx.env, directUrl: target.url, cwd: ctx.cwd, ...(onProgress && { onProgress }) });
  return { target, config, capabilities };
}

const noSuchJob = (name: string) => `there is no job named "${name}"; the jobs are ${JOB_NAMES.join(", ")}`;

/** A job named on the command line, checked against the registry. */
export const jobNameSchema = z
  .string()
  .trim()
  .transform((name, ctx) => {
    const job = findJob(name);
    if (!job) {
      ctx.addIssue({ code: "custom", message: noSuchJob(name) });
      return z.NEVER;
    }
    return job;
  });

/** Exactly one job as the positional argument: `dbctl jobs run retention`. */
export const jobArgs = {
  usage: "<job>",
  description: `The job: ${JOB_NAMES.join(", ")}.`,
  schema: z
    .array(z.string())
    .min(1, `name the job to run, e.g. \`dbctl jobs run retention\` (jobs: ${JOB_NAMES.join(", ")})`)
    .max(1, "name one job")
    .transform((names) => names[0] as string)
    .pipe(jobNameSchema),
};
