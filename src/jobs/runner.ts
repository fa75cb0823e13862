import { alertFor, sendAlert, type AlertDelivery } from "./alerts.ts";
import { finishRun, insertFinishedRun, insertRun, previousHealth } from "./history.ts";
import { redact } from "../ops/redact.ts";
import { acquireLease, releaseLease } from "./lease.ts";
import { systemClock, type Capability, type JobContext, type JobDefinition, type JobDeps, type JobResult, type JobRunRecord, type Trigger } from "./types.ts";

/**
 * Runs one job the same way for every runtime: take the job's lease (or record `skipped` and do
 * nothing), write the JobRun, run with a time budget, write how it ended, alert on a change of
 * state, free the lease. A job's own failure is a `failed` run, never an exception: the caller
 * (a cron handler) has nobody to throw to. Only a database that cannot record the run throws.
 */

export class JobUnavailableError extends Error {
  override name = "JobUnavailableError";
  readonly code = "JOB_UNAVAILABLE";
  constructor(
    readonly job: string,
    readonly missing: readonly Capability[],
    needs: string,
  ) {
    super(`Job ${job} cannot run here: it needs ${needs}, which this runtime does not have.`);
  }
}

const CAPABILITY_NAMES: Record<Capability, string> = {
  recovery: "a recovery provider (NEON_API_KEY and NEON_PROJECT_ID, or the self-hosted WAL archive of npm start)",
  backups: "pg_dump and a backups folder (Node)",
  directUrl: "the database's direct URL (DIRECT_URL)",
};

/** Why the job cannot run with these deps, in words; undefined when it can. */
export function unmetNeeds(job: JobDefinition, deps: Pick<JobDeps, Capability>): { missing: Capability[]; needs: string } | undefined {
  const missing = job.needs.filter((need) => deps[need] === undefined);
  const parts = missing.map((need) => CAPABILITY_NAMES[need]);
  if (job.needsAny && !job.needsAny.some((need) => deps[need] !== undefined)) {
    missing.push(...job.needsAny);
    parts.push(job.needsAny.map((need) => CAPABILITY_NAMES[need]).join(" or "));
  }
  return missing.length ? { missing, needs: parts.join(" and ") } : undefined;
}

/** Text about a job (its error, a log line) with every URL and key the job could know masked. */
export function redactJobText(deps: Pick<JobDeps, "config" | "directUrl">, text: string): string {
  const { config } = deps;
  return redact(text, [config.DATABASE_URL, config.DIRECT_URL, deps.directUrl], [config.NEON_API_KEY, config.CRON_SECRET]);
}

export interface RunOptions {
  trigger: Trigger;
  /** Overrides JOB_TIME_BUDGET_MS (a Vercel function's own limit, a CLI run with time to spare). */
  budgetMs?: number;
}

/** The lease outlives the budget by this much: the job stops inside its budget, then writes its result. */
const LEASE_MARGIN_MS = 60_000;

export async function runJob(job: JobDefinition, deps: JobDeps, options: RunOptions): Promise<JobRunRecord> {
  const unmet = unmetNeeds(job, deps);
  if (unmet) throw new JobUnavailableError(job.name, unmet.missing, unmet.needs);
  const clock = deps.clock ?? systemClock;
  const budgetMs = options.budgetMs ?? deps.config.JOB_TIME_BUDGET_MS;
  const id = crypto.randomUUID();
  const startedAt = clock.now();

  const lease = await acquireLease(deps.sql, job.name, id, Math.max(job.leaseMs ?? 0, budgetMs + LEASE_MARGIN_MS));
  if (!lease.acquired) {
    return insertFinishedRun(deps.sql, {
      id,
      job: job.name,
      trigger: options.trigger,
      startedAt,
      finishedAt: startedAt,
      outcome: "skipped",
      rows: null,
      error: `another run of ${job.name} is in progress`,
      detail: { reason: "busy", heldBy: lease.heldBy, ...(lease.until && { leaseExpiresAt: lease.until.toISOString() }) },
    });
  }

  try {
    await insertRun(deps.sql, { id, job: job.name, trigger: options.trigger, startedAt });
    const log = deps.log ?? (() => {});
    const ctx: JobContext = {
      sql: deps.sql,
      config: deps.config,
      clock,
      startedAt,
      budget: { ms: budgetMs, exhausted: () => clock.now().getTime() - startedAt.getTime() >= budgetMs },
      capabilities: { ...(deps.recovery && { recovery: deps.recovery }), ...(deps.backups && { backups: deps.backups }), ...(deps.directUrl && { directUrl: deps.directUrl }) },
      log: (line) => log(`[${job.name}] ${line}`),
    };
    let result: JobResult;
    try {
      result = await job.run(ctx);
    } catch (error) {
      result = { outcome: "failed", error: (error as Error).message || String(error) };
    }
    // The error goes into JobRun, ErrorLog and a webhook: no connection string or key survives.
    const error = result.error === undefined ? null : redactJobText(deps, result.error);
    const end = { finishedAt: clock.now(), outcome: result.outcome, rows: result.rows ?? null, error };
    // Decided and sent before the run is written, so the run records whether its alert went out.
    const kind = alertFor(end, await previousHealth(deps.sql, job.name, id));
    const alert = kind
      ? await sendAlert(kind, { id, job: job.name, trigger: options.trigger, startedAt, ...end, detail: result.detail ?? null }, {
          sql: deps.sql,
          webhookUrl: deps.config.ALERT_WEBHOOK_URL,
          environment: deps.config.APP_ENV,
          fetch: deps.fetch ?? fetch,
        }).catch((error: Error): AlertDelivery => ({ kind, webhook: "failed", reason: error.message }))
      : undefined;
    const detail = result.detail || alert ? { ...result.detail, ...(alert && { alert }) } : null;
    return await finishRun(deps.sql, id, { ...end, detail });
  } finally {
    await releaseLease(deps.sql, job.name, id).catch(() => {});
  }
}
