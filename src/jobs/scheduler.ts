import { Cron } from "croner";
import type { ScheduledJob } from "./registry.ts";
import { redactJobText, runJob, unmetNeeds } from "./runner.ts";
import type { JobDeps, JobRunRecord } from "./types.ts";

/**
 * `npm start`'s in-process scheduler (Node only): each scheduled job on a croner timer (UTC),
 * run through the same runJob as the Workers cron handler, Vercel's cron route and `dbctl jobs
 * run`. croner's `protect` keeps a job from overlapping itself in this process; the job's lease
 * row keeps it from overlapping runs elsewhere (another process, a platform cron, dbctl). A run
 * that throws (the database is down) is logged and the timer carries on: a server never dies
 * of a job. Five-field crons run at minute precision as on Workers and Vercel; six fields
 * (seconds) are allowed here.
 */

export interface SchedulerOptions {
  schedules: readonly ScheduledJob[];
  deps: JobDeps;
  log: (line: string) => void;
  /** How long stop() waits for runs in progress before giving up on them (their lease expires). */
  stopWaitMs?: number;
}

export interface Scheduler {
  /** The jobs on a timer here, with their cron. */
  readonly scheduled: readonly { job: string; schedule: string }[];
  /** Jobs with a schedule this runtime cannot run (no recovery provider, ...): left off the timers. */
  readonly unavailable: readonly { job: string; schedule: string; needs: string }[];
  /** Stops every timer, then waits (bounded) for the runs in progress. */
  stop(): Promise<void>;
}

const DEFAULT_STOP_WAIT_MS = 10_000;

export function startScheduler(options: SchedulerOptions): Scheduler {
  const { deps } = options;
  // Whatever an error message quotes, no URL's password and no key reaches the log.
  const log = (line: string) => options.log(`[jobs] ${redactJobText(deps, line)}`);
  const inFlight = new Set<Promise<void>>();
  const timers: Cron[] = [];
  const scheduled: { job: string; schedule: string }[] = [];
  const unavailable: { job: string; schedule: string; needs: string }[] = [];

  for (const { job, schedule } of options.schedules) {
    if (!schedule) continue;
    const unmet = unmetNeeds(job, deps);
    if (unmet) {
      unavailable.push({ job: job.name, schedule, needs: unmet.needs });
      continue;
    }
    const tick = async () => {
      const run = runJob(job, deps, { trigger: "schedule" }).then(
        (record) => log(describeRun(record)),
        (error: unknown) => log(`${job.name}: could not run: ${(error as Error).message || String(error)}`),
      );
      inFlight.add(run);
      try {
        await run;
      } finally {
        inFlight.delete(run);
      }
    };
    timers.push(
      new Cron(schedule, {
        name: `job:${job.name}`,
        timezone: "UTC",
        mode: "5-or-6-parts",
        // A tick while the previous run still works is passed over (the next tick tries again).
        protect: () => log(`${job.name}: the previous run is still working; this tick is passed over`),
        catch: (error) => log(`${job.name}: could not run: ${(error as Error).message || String(error)}`),
      }, tick),
    );
    scheduled.push({ job: job.name, schedule });
  }

  let stopped: Promise<void> | undefined;
  return {
    scheduled,
    unavailable,
    stop() {
      stopped ??= (async () => {
        for (const timer of timers) timer.stop();
        if (inFlight.size === 0) return;
        const waitMs = options.stopWaitMs ?? DEFAULT_STOP_WAIT_MS;
        let timeout: NodeJS.Timeout | undefined;
        const gaveUp = await Promise.race([
          Promise.allSettled([...inFlight]).then(() => false),
          new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(true), waitMs))),
        ]);
        clearTimeout(timeout);
        if (gaveUp) log(`stopping without ${inFlight.size} run(s) still working after ${waitMs} ms; their leases free the jobs when they expire`);
      })();
      return stopped;
    },
  };
}

/** One line per run: the job, how it ended, the rows it touched or why it failed. */
export function describeRun(run: JobRunRecord): string {
  // By name: jsonb keeps its keys in an order of its own.
  const touched = Object.entries(run.rows ?? {}).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  const rows = run.rows ? ` rows ${touched.length ? touched.map(([table, n]) => `${table}=${n}`).join(" ") : "none"}` : "";
  return `${run.job}: ${run.outcome ?? "unfinished"}${rows}${run.error ? `: ${run.error}` : ""} (run ${run.id})`;
}
