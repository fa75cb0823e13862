import { maskUrl } from "../../env.ts";
import { listRuns } from "../../jobs/history.ts";
import { withConnection } from "../../ops/sql.ts";
import { defineCommand, EXIT } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { jsonFlag, urlFlag, wholeNumber } from "../flags.ts";
import { durationText, resultText } from "../job-run-text.ts";
import { jobNameSchema } from "../job-session.ts";
import { plural, printJson } from "../output.ts";
import { tableLines } from "../table.ts";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;

export const jobsHistory = defineCommand({
  path: ["jobs", "history"],
  summary: "Recent job runs, newest first: trigger, outcome, duration, rows or error.",
  details: [
    "The JobRun history every runner writes (npm start's scheduler and the platform crons: schedule;",
    "the admin API: http; dbctl jobs run: cli). Runs older than RETENTION_JOB_RUN_DAYS (default 90)",
    "are deleted by the retention job.",
    "",
    "Exit codes: 0 shown (also when there are none), 1 an error, 2 bad usage.",
  ],
  flags: {
    job: flag.string(jobNameSchema.optional(), { valueName: "<name>", description: "Only this job's runs." }),
    limit: flag.string(wholeNumber(1, MAX_LIMIT).default(DEFAULT_LIMIT), { valueName: "<n>", description: `How many runs, 1 to ${MAX_LIMIT}. Default: ${DEFAULT_LIMIT}.` }),
    url: urlFlag,
    json: jsonFlag,
  },
  async run(flags, ctx) {
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
    const runs = await withConnection(target.url, (conn) => listRuns(conn, { ...(flags.job && { job: flags.job.name }), limit: flags.limit }), { applicationName: "dbctl jobs history" });
    const database = maskUrl(target.url);
    if (flags.json) {
      printJson(ctx, { database, runs });
      return EXIT.ok;
    }
    const which = flags.job ? `${flags.job.name} ` : "";
    if (runs.length === 0) {
      ctx.stdout(`No ${which}job runs recorded in ${database} yet.`);
      return EXIT.ok;
    }
    ctx.stdout(`Newest ${plural(runs.length, `${which}job run`)} in ${database}:`);
    const rows = runs.map((run) => [run.startedAt.toISOString(), run.job, run.trigger, run.outcome ?? "running", durationText(run), resultText(run)]);
    for (const line of tableLines(["STARTED", "JOB", "TRIGGER", "OUTCOME", "TOOK", "RESULT"], rows)) ctx.stdout(line);
    return EXIT.ok;
  },
});
