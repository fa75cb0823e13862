import type { JobRunRecord } from "../jobs/types.ts";

/** How dbctl writes a job run for people: its outcome, what it touched, how long it took. */

/** Tables with rows affected, by name (`JobRun=1 Session=3`); "no rows" when the job touched none. */
export function rowsText(rows: JobRunRecord["rows"]): string {
  // By name: jsonb keeps its keys in an order of its own.
  const touched = Object.entries(rows ?? {}).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  return touched.length ? touched.map(([table, n]) => `${table}=${n}`).join(" ") : "no rows";
}

export function durationText(run: Pick<JobRunRecord, "startedAt" | "finishedAt">): string {
  if (!run.finishedAt) return "running";
  const ms = run.finishedAt.getTime() - run.startedAt.getTime();
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

/** What the run did, or why it did not: the rows it touched, else its error. */
export function resultText(run: JobRunRecord): string {
  if (run.outcome === null) return "in progress";
  if (run.outcome === "failed" || run.outcome === "skipped") return run.error ?? "no reason given";
  const rows = run.rows ? rowsText(run.rows) : "";
  return run.outcome === "partial" ? [rows, run.error].filter(Boolean).join("; ") : rows || "done";
}

/** The outcome with its moment: `succeeded 2026-11-25T09:30:00.000Z`. */
export const outcomeAt = (run: JobRunRecord) => `${run.outcome ?? "running since"} ${run.startedAt.toISOString()}`;
