import { Cron } from "croner";
import { schedules } from "../../jobs/registry.ts";
import { slowQueriesReport } from "../reports/slow-queries.ts";
import { failInProduction, pass, warn, type DoctorCheck } from "./check.ts";
import type { DoctorFacts } from "./facts.ts";

/**
 * The guide's Monitoring as checks: pg_stat_statements there for `dbctl db slow-queries`,
 * slow statements logged (log_min_duration_statement), and every scheduled job's last JobRun
 * no older than the fire before its latest one (one missed run is late; a failed one fails).
 */

const statements: DoctorCheck<DoctorFacts> = {
  group: "monitoring",
  name: "pg_stat_statements",
  async run(facts) {
    const report = await slowQueriesReport(await facts.db(), { limit: 1 });
    if (report.available) return pass("pg_stat_statements is installed: `dbctl db slow-queries` reports the slowest statements.");
    return warn(`${report.reason.replace(/\.$/, "")}: ${report.howToEnable[0] ?? "enable the extension"}`.replace(/\.?$/, "."), { howToEnable: report.howToEnable });
  },
};

const slowLog: DoctorCheck<DoctorFacts> = {
  group: "monitoring",
  name: "log_min_duration_statement",
  async run(facts) {
    const db = await facts.db();
    const { rows } = await db.query<{ setting: string }>("SELECT current_setting('log_min_duration_statement') AS setting");
    const setting = rows[0]?.setting ?? "-1";
    if (setting === "-1") {
      return warn("log_min_duration_statement is off: set it (e.g. ALTER DATABASE ... SET log_min_duration_statement = '1s') so slow statements are logged.", { setting });
    }
    return pass(`statements slower than ${setting} are logged (log_min_duration_statement).`, { setting });
  },
};

const jobsOnSchedule: DoctorCheck<DoctorFacts> = {
  group: "monitoring",
  name: "jobs on schedule",
  async run(facts) {
    const scheduled = schedules(facts.config).filter((s): s is { job: (typeof s)["job"]; schedule: string } => s.schedule !== null);
    if (scheduled.length === 0) return warn("no job is scheduled in this configuration (JOB_SCHEDULES): retention, backups and checks never run by themselves.");
    const latest = await facts.latestRuns();
    const jobs = scheduled.map(({ job, schedule }) => {
      const last = latest.get(job.name);
      // The fire before the latest one: a run since then means no scheduled run was missed.
      const due = new Cron(schedule, { paused: true, timezone: "UTC", mode: "5-or-6-parts" }).previousRuns(2, facts.now)[1];
      const state = !last ? "never run" : last.outcome === "failed" ? "failed" : due && last.startedAt < due ? "late" : "on schedule";
      return { job: job.name, schedule, state, lastRun: last ? { startedAt: last.startedAt.toISOString(), outcome: last.outcome } : null };
    });
    const detail = { jobs };
    const named = (state: string) => jobs.filter((j) => j.state === state).map((j) => j.job);
    const failed = named("failed");
    if (failed.length) return failInProduction(facts.config.APP_ENV, `the last run of ${failed.join(", ")} failed: see \`dbctl jobs history\`.`, detail);
    const late = named("late");
    const never = named("never run");
    if (late.length || never.length) {
      const parts = [late.length && `${late.join(", ")} missed a scheduled run`, never.length && `${never.join(", ")} never ran`].filter(Boolean);
      return failInProduction(facts.config.APP_ENV, `${parts.join("; ")}: check the scheduler (npm start, wrangler.toml or vercel.json crons).`, detail);
    }
    return pass(`all ${jobs.length} scheduled jobs ran on schedule.`, detail);
  },
};

export const MONITORING_CHECKS = [statements, slowLog, jobsOnSchedule];
