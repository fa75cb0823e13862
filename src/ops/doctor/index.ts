import { redact } from "../redact.ts";
import { BACKUP_CHECKS } from "./backups.ts";
import { GROUPS, fail, warn, type CheckOutcome, type CheckResult, type DoctorCheck } from "./check.ts";
import { CONNECTION_CHECKS } from "./connections.ts";
import { NotChecked, type DoctorFacts } from "./facts.ts";
import { MIGRATION_CHECKS } from "./migrations.ts";
import { MONITORING_CHECKS } from "./monitoring.ts";
import { RECOVERY_CHECKS } from "./recovery.ts";
import { RETENTION_CHECKS } from "./retention.ts";

export type { CheckGroup, CheckResult, CheckStatus } from "./check.ts";
export { GROUPS } from "./check.ts";
export { gatherFacts, type DoctorFacts, type DoctorTarget } from "./facts.ts";

/** Every check, grouped and ordered as the guide's Environment Checklist. */
export const DOCTOR_CHECKS: readonly DoctorCheck<DoctorFacts>[] = [...CONNECTION_CHECKS, ...MIGRATION_CHECKS, ...BACKUP_CHECKS, ...RECOVERY_CHECKS, ...MONITORING_CHECKS, ...RETENTION_CHECKS].sort(
  (a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group),
);

/** One check's limit: a database that stops answering must not hang the doctor (connections open within 3 s). */
export const CHECK_TIMEOUT_MS = 8_000;

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

/**
 * Runs every check at once, each within `timeoutMs`: a check that throws fails with its error's
 * sentence, one that cannot run (NotChecked: a prerequisite failed) warns saying why, and one
 * that does not finish in time fails saying so. Every word is redacted of the environment's
 * URLs' passwords and keys before it leaves.
 */
export async function runDoctor(facts: DoctorFacts, options: { checks?: readonly DoctorCheck<DoctorFacts>[]; timeoutMs?: number } = {}): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  const checks = options.checks ?? DOCTOR_CHECKS;
  try {
    const results = await Promise.all(checks.map(async (check) => ({ group: check.group, name: check.name, ...(await runOne(check, facts, timeoutMs)) })));
    const clean = results.map((result) => scrub(result, facts));
    return { ok: clean.every((r) => r.status !== "fail"), checks: clean };
  } finally {
    await facts.close();
  }
}

async function runOne(check: DoctorCheck<DoctorFacts>, facts: DoctorFacts, timeoutMs: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve(fail(`did not finish within ${timeoutMs / 1000} s: the database or a provider is not answering.`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.run(facts)), timeout]);
  } catch (error) {
    if (error instanceof NotChecked) return warn(`not checked: ${error.message.replace(/\.$/, "")}.`);
    const message = ((error as Error).message || String(error)).split("\n")[0] as string;
    return fail(`could not check: ${message.replace(/\.$/, "")}.`);
  } finally {
    clearTimeout(timer);
  }
}

function scrub(result: CheckResult, facts: DoctorFacts): CheckResult {
  const urls = [facts.env.DATABASE_URL, facts.env.DIRECT_URL, "url" in facts.target ? facts.target.url : undefined].flatMap((u) => (u ? [u, u.trim()] : []));
  const secrets = [facts.env.NEON_API_KEY, facts.env.CRON_SECRET, facts.env.SEED_ADMIN_PASSWORD];
  const text = redact(JSON.stringify(result), urls.map((u) => JSON.stringify(u).slice(1, -1)), secrets);
  return JSON.parse(redact(text, urls, secrets)) as CheckResult;
}
