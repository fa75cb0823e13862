import { maskUrl } from "../../env.ts";
import { latestRuns } from "../../jobs/history.ts";
import { unmetNeeds } from "../../jobs/runner.ts";
import { withConnection } from "../../ops/sql.ts";
import { defineCommand, EXIT } from "../command.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { outcomeAt } from "../job-run-text.ts";
import { schedules } from "../../jobs/registry.ts";
import { openJobs } from "../job-session.ts";
import { printJson } from "../output.ts";
import { tableLines } from "../table.ts";

export const jobsList = defineCommand({
  path: ["jobs", "list"],
  summary: "Every scheduled job: its schedule here, its last run, whether dbctl can run it.",
  details: [
    "The registry npm start's scheduler, the Workers cron handler and Vercel's cron route run, with",
    "each job's schedule (cron, UTC) in this configuration (APP_ENV's defaults, JOB_SCHEDULES's",
    "overrides) or \"not scheduled\", its newest run in the database's JobRun history, and whether",
    "`dbctl jobs run` can run it from here (and what it lacks when not). --json answers what",
    "GET /api/v1/admin/jobs answers for each job.",
    "",
    "Exit codes: 0 listed, 1 an error, 2 bad usage.",
  ],
  flags: { url: urlFlag, json: jsonFlag },
  async run(flags, ctx) {
    const { target, config, capabilities } = openJobs(flags, ctx);
    // A JOB_SCHEDULES the registry cannot read is a ConfigError: rendered as INVALID_CONFIG.
    const entries = schedules(config);
    const latest = await withConnection(target.url, latestRuns, { applicationName: "dbctl jobs list" });
    const jobs = entries.map(({ job, schedule }) => {
      const unmet = unmetNeeds(job, capabilities);
      return { name: job.name, description: job.description, schedule, runnable: !unmet, needs: unmet?.needs ?? null, lastRun: latest.get(job.name) ?? null };
    });
    const database = maskUrl(target.url);
    if (flags.json) {
      printJson(ctx, { database, environment: config.APP_ENV, jobs });
      return EXIT.ok;
    }
    ctx.stdout(`Jobs in ${config.APP_ENV} for ${database} (schedules in UTC):`);
    const rows = jobs.map((j) => [j.name, j.schedule ?? "not scheduled", j.lastRun ? outcomeAt(j.lastRun) : "never run", j.runnable ? "yes" : `no: needs ${j.needs}`]);
    for (const line of tableLines(["JOB", "SCHEDULE", "LAST RUN", "DBCTL CAN RUN IT"], rows)) ctx.stdout(line);
    return EXIT.ok;
  },
});
