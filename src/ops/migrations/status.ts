import type { SqlClient } from "../sql.ts";
import type { MigrationFile } from "./files.ts";
import { isApplied, isFailed, readHistory, type MigrationRow } from "./history.ts";

export interface MigrationStatus {
  /** Applied and unchanged since. */
  applied: { name: string; finishedAt: Date }[];
  /** On disk, not applied (never run, or rolled back). */
  pending: string[];
  /** Started and never finished: blocks every deploy until resolved (Prisma's P3009). */
  failed: { name: string; startedAt: Date; logs: string | null }[];
  /** Applied, but migration.sql has changed since (checksum mismatch). */
  modified: { name: string; appliedChecksum: string; fileChecksum: string }[];
  /** Applied to the database but missing from the migrations folder. */
  missingLocally: string[];
  upToDate: boolean;
}

export function computeStatus(files: MigrationFile[], history: MigrationRow[]): MigrationStatus {
  const failed = history.filter(isFailed);
  const failedNames = new Set(failed.map((row) => row.migration_name));
  const finished = new Map<string, MigrationRow>();
  for (const row of history) if (isApplied(row) && row.finished_at) finished.set(row.migration_name, row);

  const onDisk = new Set(files.map((file) => file.name));
  const status: MigrationStatus = {
    applied: [],
    pending: [],
    failed: failed.map((row) => ({ name: row.migration_name, startedAt: row.started_at, logs: row.logs })),
    modified: [],
    missingLocally: [...finished.keys()].filter((name) => !onDisk.has(name)).sort(),
    upToDate: false,
  };
  for (const file of files) {
    const row = finished.get(file.name);
    if (row) {
      if (row.checksum !== file.checksum) {
        status.modified.push({ name: file.name, appliedChecksum: row.checksum, fileChecksum: file.checksum });
      }
      status.applied.push({ name: file.name, finishedAt: row.finished_at as Date });
    } else if (!failedNames.has(file.name)) {
      status.pending.push(file.name);
    }
  }
  status.upToDate = status.pending.length === 0 && status.failed.length === 0 && status.missingLocally.length === 0;
  return status;
}

export async function migrationStatus(db: SqlClient, files: MigrationFile[]): Promise<MigrationStatus> {
  return computeStatus(files, await readHistory(db));
}
