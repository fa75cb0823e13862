import { pooledUrlRefusal } from "../../db/url.ts";
import { GROUPS, gatherFacts, runDoctor, type DoctorReport, type DoctorTarget } from "../../ops/doctor/index.ts";
import { defineCommand, EXIT, type CliContext } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { jsonFlag, migrationsDirFlag, rollbackDirFlag } from "../flags.ts";
import { plural, printJson } from "../output.ts";
import { tableLines } from "../table.ts";

export const doctor = defineCommand({
  path: ["doctor"],
  summary: "The guide's environment checklist as checks: connections, migrations, backups, recovery, monitoring, retention.",
  details: [
    "Each check says pass, warn or fail with one line of advice: DATABASE_URL pooled, DIRECT_URL",
    "direct, TLS to remote hosts, both reachable (with latency), no hosted Accelerate (retired on",
    "2026-12-01), .env not in git; no migration pending, failed or edited after being applied, a",
    "rollback script for each; backups scheduled and recent, pg_dump able to dump the server; the",
    "PITR window against its policy, the last drill; pg_stat_statements, slow-statement logging,",
    "the jobs on schedule; the retention policies. Read only. With nothing configured it checks",
    "npm start's database, where a rule only production can meet is a warning. Never prints a",
    "password or key. --json prints { ok, checks: [{ group, name, status, advice, detail? }] }.",
    "",
    "Exit codes: 0 no check failed (warnings allowed), 1 a check failed, 2 bad usage.",
  ],
  flags: { migrationsDir: migrationsDirFlag, rollbackDir: rollbackDirFlag, json: jsonFlag },
  async run(flags, ctx) {
    const facts = gatherFacts({ env: ctx.env, cwd: ctx.cwd, migrationsDir: flags.migrationsDir, rollbackDir: flags.rollbackDir, target: doctorTarget(ctx) });
    const report = await runDoctor(facts);
    if (flags.json) printJson(ctx, report);
    else for (const line of renderReport(report)) ctx.stdout(line);
    return report.ok ? EXIT.ok : EXIT.failure;
  },
});

/**
 * The database the checks that need one use: what every other dbctl command would use, read
 * only with single statements (so a pooled DATABASE_URL serves). What resolveDatabaseUrl refuses
 * (a pooled DIRECT_URL, a hosted Accelerate DATABASE_URL, nothing running) is not the doctor's
 * failure but a finding: the connection checks report it and the database's checks are skipped.
 */
function doctorTarget(ctx: CliContext): DoctorTarget {
  const direct = ctx.env.DIRECT_URL?.trim();
  if (direct && pooledUrlRefusal(direct)) return { problem: "DIRECT_URL is pooled (see its check), so the database was not checked" };
  try {
    return resolveDatabaseUrl(undefined, ctx.env, ctx, "any");
  } catch (error) {
    return { problem: `there is no database to check (${(error as Error).message.replace(/\.$/, "")})` };
  }
}

function renderReport(report: DoctorReport): string[] {
  const rows = report.checks.map((c) => [c.status === "pass" ? "ok" : c.status.toUpperCase(), c.name, c.advice]);
  const [header, ...lines] = tableLines(["STATUS", "CHECK", "ADVICE"], rows);
  const out = [header as string];
  for (const group of GROUPS) {
    const mine = report.checks.flatMap((c, i) => (c.group === group ? [lines[i] as string] : []));
    if (mine.length) out.push(group, ...mine);
  }
  const count = (status: string) => report.checks.filter((c) => c.status === status).length;
  const fails = count("fail");
  out.push("", `${plural(count("pass"), "check")} passed, ${plural(count("warn"), "warning")}, ${fails} failed: ${fails ? "fix the failures above." : "the environment is ready."}`);
  return out;
}
