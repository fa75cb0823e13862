import { RecoveryError } from "../../provider.ts";
import { badRequest } from "./http-error.ts";
import type { EmulatorModel } from "./model.ts";
import type { BranchRecord } from "./records.ts";

/**
 * Neon's history against the backend's: which moments a branch can be created at or restored
 * to. Neon keeps everything committed within the project's retention; the self-hosted backend
 * keeps what its WAL archive holds, which lags by up to archive_timeout.
 */

const isNoWindow = (error: unknown) => error instanceof RecoveryError && error.code === "NO_RESTORE_WINDOW";

/** Refuses, before anything starts, a moment Neon would refuse or the backend cannot restore. */
export async function assertInHistory(model: EmulatorModel, field: string, at: Date, branch: BranchRecord): Promise<void> {
  const now = Date.now();
  const iso = at.toISOString();
  const retention = model.retentionSeconds;
  if (at.getTime() > now) throw badRequest(`${field} ${iso} is in the future`);
  if (at.getTime() < now - retention * 1000) throw badRequest(`${field} ${iso} is beyond the project's history retention of ${retention} seconds`);
  if (!branch.isDefault && at < branch.createdAt) throw badRequest(`${field} ${iso} is before branch ${branch.id} was created (${branch.createdAt.toISOString()})`);
  const backend = model.backend;
  let from: Date;
  try {
    from = (await backend.restoreWindow({ branch: branch.name })).from;
  } catch (error) {
    if (!isNoWindow(error)) throw error;
    // The archive may simply not have received the first segment after the base backup yet:
    // archive it and look again.
    await backend.archiveCurrentWal?.(branch.name).catch(() => undefined);
    try {
      from = (await backend.restoreWindow({ branch: branch.name })).from;
    } catch (again) {
      if (isNoWindow(again)) throw badRequest(`no history of branch ${branch.id} is available yet for ${field} ${iso}`);
      throw again;
    }
  }
  if (at < from) throw badRequest(`${field} ${iso} is before the oldest history kept for branch ${branch.id} (${from.toISOString()})`);
}

/**
 * The moment to hand the backend: the current WAL is archived first, and a moment after the
 * last archived commit (nothing happened since) becomes that commit.
 */
export async function reachable(model: EmulatorModel, branch: BranchRecord, at: Date): Promise<Date> {
  const backend = model.backend;
  let window = await backend.restoreWindow({ branch: branch.name });
  if (at <= window.to) return at;
  if (backend.archiveCurrentWal) {
    await backend.archiveCurrentWal(branch.name).catch(() => undefined);
    window = await backend.restoreWindow({ branch: branch.name });
  }
  return at <= window.to ? at : window.to;
}
