import type { Workspace } from "./workspace.ts";
import type { Db, SeedCounts } from "./types.ts";

/**
 * Writes a workspace in one batch per table. Ids are deterministic, so rows of an earlier run
 * are skipped (ON CONFLICT DO NOTHING) and a second run inserts nothing; a run that stopped
 * half way is completed by the next. Projects go before the notes that point at them.
 */
export async function insertWorkspace(db: Db, workspace: Workspace): Promise<Omit<SeedCounts, "users">> {
  const projects = await db.project.createMany({ data: workspace.projects, skipDuplicates: true });
  const notes = await db.note.createMany({ data: workspace.notes, skipDuplicates: true });
  const errorLogs = await db.errorLog.createMany({ data: workspace.errorLogs, skipDuplicates: true });
  const performanceMetrics = await db.performanceMetric.createMany({ data: workspace.performanceMetrics, skipDuplicates: true });
  return { projects: projects.count, notes: notes.count, errorLogs: errorLogs.count, performanceMetrics: performanceMetrics.count };
}

export function describeCounts(kind: string, counts: SeedCounts): string {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  if (total === 0) return `${kind} seed: nothing to insert, the data is already there.`;
  return `${kind} seed: inserted ${counts.users} users, ${counts.projects} projects, ${counts.notes} notes, ${counts.errorLogs} error logs, ${counts.performanceMetrics} performance metrics.`;
}
