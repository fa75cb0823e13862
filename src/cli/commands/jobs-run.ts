import { maskUrl } from "../../env.ts";
import { JobUnavailableError, runJob, unmetNeeds } from "../../jobs/runner.ts";
import { withConnection } from "../../ops/sql.ts";
import { sentence } from "../../ops/text.ts";
import { CliError, defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { jsonFlag, urlFlag, wholeNumber } from "../flags.ts";
import { durationText, resultText } from "../job-run-text.ts";
import { jobArgs, openJobs } from "../job-session.ts";
import { printJson } from "../output.ts";

/** A run from a terminal may take longer than a cron's budget; an hour is past any job's need. */
const MAX_BUDGET_MS = 60 * 60_000;

export const jobsRun = defineCommand({
  path: ["jobs", "run"],
  summary: "Run a job now, as its schedule would: one lease, one JobRun (trigger cli), the same alerts.",
  args: jobArgs,
  details: [
    "The same run npm start's scheduler and the platform crons start, over the direct URL: while",
    "another run holds the job this one is recorded as skipped and does nothing. The run works for",
    "at most JOB_TIME_BUDGET_MS (default 25000), or --budget-ms; retention then stops, records",
    "partial and the next run carries on. A job that needs what dbctl lacks here (a recovery",
    "provider) is refused before anything is recorded. The job's progress goes to stderr;",
    "--json prints the finished JobRun.",
    "",
    "Exit codes: 0 succeeded, partial or skipped; 1 failed (or an error); 2 bad usage (an unknown job).",
  ],
  flags: {
    budgetMs: flag.string(wholeNumber(1_000, MAX_BUDGET_MS).optional(), {
      valueName: "<ms>",
      description: `How long the job may work, 1000 to ${MAX_BUDGET_MS}. Default: JOB_TIME_BUDGET_MS, else 25000.`,
    }),
    url: urlFlag,
    json: jsonFlag,
  },
  async run(flags, ctx) {
    const job = flags.args;
    const progress = flags.json ? undefined : (line: string) => ctx.stderr(line);
    const { target, config, capabilities } = openJobs(flags, ctx, progress);
    // Refused before connecting: nothing is attempted, nothing recorded.
    const unmet = unmetNeeds(job, capabilities);
    if (unmet) throw unavailable(new JobUnavailableError(job.name, unmet.missing, unmet.needs));
    const run = await withConnection(
      target.url,
      (conn) =>
        runJob(job, { sql: conn, config, ...capabilities, ...(progress && { log: progress }) }, { trigger: "cli", ...(flags.budgetMs !== undefined && { budgetMs: flags.budgetMs }) }).catch((error: unknown) => {
          throw error instanceof JobUnavailableError ? unavailable(error) : error;
        }),
      { applicationName: `dbctl jobs run ${job.name}` },
    );
    if (flags.json) printJson(ctx, { database: maskUrl(target.url), run });
    else ctx.stdout(`Job ${job.name} ${run.outcome} in ${durationText(run)} (run ${run.id}): ${resultText(run)}`);
    if (run.outcome === "failed") {
      ctx.stderr(sentence(`Job ${job.name} failed: ${run.error ?? "no reason given"}`));
      return EXIT.failure;
    }
    return EXIT.ok;
  },
});

const unavailable = (error: JobUnavailableError) => new CliError(error.code, error.message, 1, { job: error.job, missing: error.missing });
