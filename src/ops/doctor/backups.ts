import { checkBackups } from "../../jobs/backup-jobs.ts";
import { schedules } from "../../jobs/registry.ts";
import { systemClock, type JobContext } from "../../jobs/types.ts";
import { PgToolError, toolVersion } from "../backup/pg-tools.ts";
import { fail, failInProduction, pass, warn, type DoctorCheck } from "./check.ts";
import type { DoctorFacts } from "./facts.ts";

/**
 * The guide's Backup Strategy as checks: backups scheduled where the guide's table schedules them
 * (production and staging daily; development by hand), a verified backup or Neon snapshot younger
 * than BACKUP_MAX_AGE_HOURS (the backup-check job's own verdict), and a pg_dump that can dump this server.
 */

const production = (facts: DoctorFacts) => facts.config.APP_ENV === "production" || facts.config.APP_ENV === "staging";

const configured: DoctorCheck<DoctorFacts> = {
  group: "backups",
  name: "backups configured",
  run(facts) {
    const schedule = schedules(facts.config).find((s) => s.job.name === "backup")?.schedule ?? null;
    const neon = Boolean(facts.env.NEON_API_KEY && facts.env.NEON_PROJECT_ID);
    const detail = { schedule, neonSnapshots: neon, backupDir: facts.config.BACKUP_DIR };
    if (!production(facts)) {
      return schedule
        ? pass(`the backup job runs on "${schedule}" (UTC) into ${facts.config.BACKUP_DIR}.`, detail)
        : warn("backups in development are manual (the guide's table): take one with `dbctl backup create`.", detail);
    }
    if (!schedule) return fail(`the backup job is switched off in ${facts.config.APP_ENV}: remove backup=off from JOB_SCHEDULES.`, detail);
    return pass(`the backup job runs on "${schedule}" (UTC): ${neon ? "a Neon snapshot" : `pg_dump into ${facts.config.BACKUP_DIR}`}.`, detail);
  },
};

const recent: DoctorCheck<DoctorFacts> = {
  group: "backups",
  name: "recent backup",
  async run(facts) {
    const ctx: JobContext = {
      // backup-check reads the backups folder and the provider's snapshots, never the database.
      sql: { query: () => Promise.reject(new Error("backup-check does not query the database")) },
      config: facts.config,
      clock: systemClock,
      startedAt: facts.now,
      budget: { ms: 0, exhausted: () => false },
      capabilities: facts.capabilities,
      log: () => {},
    };
    const result = await checkBackups(ctx);
    if (result.outcome === "succeeded") {
      const newest = result.detail?.newest as { name: string } | undefined;
      return pass(`the newest verified backup is ${result.detail?.ageHours} hours old (under ${facts.config.BACKUP_MAX_AGE_HOURS}).`, { ...result.detail, newest: newest && { ...newest } });
    }
    const why = (result.error ?? "no verified backup").replace(/\.$/, "");
    return failInProduction(facts.config.APP_ENV, `${why}: take one with \`dbctl backup create\` and prove it with \`dbctl backup verify <file>\` (the backup job does both).`, result.detail);
  },
};

const pgDump: DoctorCheck<DoctorFacts> = {
  group: "backups",
  name: "pg_dump",
  async run(facts) {
    let tool: { major: number; text: string };
    try {
      tool = await toolVersion("pg_dump");
    } catch (error) {
      if (error instanceof PgToolError && error.code === "TOOL_MISSING") {
        return failInProduction(facts.config.APP_ENV, "pg_dump is not installed: install PostgreSQL's client tools (on Debian: apt-get install postgresql-client).");
      }
      throw error;
    }
    const db = await facts.db();
    const { rows } = await db.query<{ version: string }>("SELECT current_setting('server_version_num') AS version");
    const serverMajor = Math.floor(Number(rows[0]?.version) / 10_000);
    const detail = { pgDump: tool.text, pgDumpMajor: tool.major, serverMajor };
    if (tool.major < serverMajor) {
      return fail(`pg_dump ${tool.major} cannot dump this PostgreSQL ${serverMajor} server: install postgresql-client-${serverMajor} or newer.`, detail);
    }
    return pass(`pg_dump ${tool.text.split(" ")[0]} can dump this PostgreSQL ${serverMajor} server.`, detail);
  },
};

export const BACKUP_CHECKS = [configured, recent, pgDump];
