import { sha256Hex } from "../auth/crypto.ts";
import type { SqlClient } from "../ops/sql.ts";
import { DB_NOW } from "./sql-time.ts";
import type { JobRunRecord } from "./types.ts";

/**
 * A job that starts failing raises one alert; one that keeps failing raises none; the first good
 * run after failures sends a "resolved". Each alert is a JSON POST with a Slack-compatible `text`
 * to ALERT_WEBHOOK_URL and a row in ErrorLog (one per job, reopened by each new failure, resolved
 * by the recovery), so the admin errors list shows it too. A webhook that is down costs the job
 * nothing: delivery is bounded in time and its failure is only reported.
 */

export type AlertKind = "failing" | "resolved";

export interface AlertDelivery {
  kind: AlertKind;
  /** Whether the webhook took it: skipped when no ALERT_WEBHOOK_URL is set. */
  webhook: "delivered" | "failed" | "not-configured";
  reason?: string;
}

const WEBHOOK_TIMEOUT_MS = 5_000;

/** Which alert a run calls for, given how the job's previous run ended. */
export function alertFor(run: Pick<JobRunRecord, "outcome">, previous: "failing" | "ok" | undefined): AlertKind | undefined {
  if (run.outcome === "skipped" || run.outcome === null) return undefined;
  const now = run.outcome === "failed" ? "failing" : "ok";
  if (now === "failing" && previous !== "failing") return "failing";
  if (now === "ok" && previous === "failing") return "resolved";
  return undefined;
}

export function alertText(kind: AlertKind, run: JobRunRecord, environment: string): string {
  return kind === "failing"
    ? `:rotating_light: [${environment}] job ${run.job} failed: ${run.error ?? "no reason given"} (run ${run.id})`
    : `:white_check_mark: [${environment}] job ${run.job} is healthy again (run ${run.id})`;
}

export async function sendAlert(
  kind: AlertKind,
  run: JobRunRecord,
  options: { sql: SqlClient; webhookUrl: string | undefined; environment: string; fetch: typeof fetch },
): Promise<AlertDelivery> {
  await recordInErrorLog(options.sql, kind, run);
  if (!options.webhookUrl) return { kind, webhook: "not-configured" };
  const text = alertText(kind, run, options.environment);
  try {
    const response = await options.fetch(options.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, job: run.job, status: kind, outcome: run.outcome, error: run.error, runId: run.id, environment: options.environment, at: (run.finishedAt ?? run.startedAt).toISOString() }),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => {});
    return response.ok ? { kind, webhook: "delivered" } : { kind, webhook: "failed", reason: `the webhook answered ${response.status}` };
  } catch (error) {
    const reason = (error as Error).name === "TimeoutError" ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : (error as Error).message;
    return { kind, webhook: "failed", reason };
  }
}

/** The job's one ErrorLog row: route `job:<name>`, method JOB. */
async function recordInErrorLog(sql: SqlClient, kind: AlertKind, run: JobRunRecord): Promise<void> {
  const fingerprint = await sha256Hex(`job\n${run.job}`);
  if (kind === "resolved") {
    await sql.query(`UPDATE "ErrorLog" SET resolved = true, "resolvedAt" = ${DB_NOW} WHERE fingerprint = $1 AND NOT resolved`, [fingerprint]);
    return;
  }
  const message = `Job ${run.job} failed: ${run.error ?? "no reason given"}`.slice(0, 2_000);
  await sql.query(
    `INSERT INTO "ErrorLog" (id, fingerprint, "timestamp", "lastSeenAt", count, level, message, route, method, "requestId", resolved)
     VALUES ($1, $2, ${DB_NOW}, ${DB_NOW}, 1, 'ERROR', $3, $4, 'JOB', $5, false)
     ON CONFLICT (fingerprint) DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt", count = "ErrorLog".count + 1, message = EXCLUDED.message,
       "requestId" = EXCLUDED."requestId", resolved = false, "resolvedAt" = NULL`,
    [crypto.randomUUID(), fingerprint, message, `job:${run.job}`, run.id],
  );
}
