import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "../../sql.ts";
import { RecoveryError, RestoreFailedError } from "../provider.ts";
import { restoreCommand } from "./archiving.ts";
import type { Instances } from "./instances.ts";
import type { RestorePlan } from "./restore-window.ts";
import { lastLines, readLog, runAsServer, serverOwnedDir, stopServer } from "./server.ts";
import { historyFileName } from "./wal.ts";

/**
 * Restore to a moment: a new instance in `folder`/data from the plan's base backup, recovered to
 * its target along the plan's timeline history and promoted (onto a new timeline), left running
 * on `port`. On failure the instance is stopped; the caller removes the folder.
 */
export async function recoverInstance(
  instances: Instances,
  folder: string,
  label: string,
  port: number,
  plan: RestorePlan,
): Promise<{ pid: number; timeline: number }> {
  const dataDir = join(folder, "data");
  serverOwnedDir(folder, instances.runAs, 0o755);
  const describe = plan.target.kind === "immediate" ? "its current state" : plan.target.at.toISOString();
  instances.progress(`Restoring base backup ${plan.backup.id} into ${dataDir} and replaying WAL to ${describe} ...`);
  if (existsSync(join(plan.backup.dataDir, "pg_tblspc")) && readdirSync(join(plan.backup.dataDir, "pg_tblspc")).length > 0) {
    throw new RecoveryError("RECOVERY_SETUP", "Branches of clusters with tablespaces are not supported by the self-hosted provider.");
  }
  await runAsServer("cp", ["-a", plan.backup.dataDir, dataDir], instances.runAs);
  rmSync(join(dataDir, "backup_manifest"), { force: true });
  instances.writeServerFile(join(dataDir, "recovery.signal"), "");

  const target: Record<string, string> =
    plan.target.kind === "time"
      ? { recovery_target_time: plan.target.setting, recovery_target_inclusive: "on" }
      : plan.target.kind === "lsn"
        ? { recovery_target_lsn: plan.target.lsn, recovery_target_inclusive: "on" }
        : { recovery_target: "immediate" };
  const recovery = {
    restore_command: restoreCommand(instances.archiveDir),
    recovery_target_timeline: String(plan.timeline),
    recovery_target_action: "promote",
    ...target,
  };
  const logFile = join(folder, "postgres.log");
  let pid: number;
  try {
    pid = await instances.start(dataDir, port, logFile, recovery);
    const timeline = await waitForPromotion(instances, port, logFile);
    await waitForArchived(instances.archiveDir, historyFileName(timeline), logFile);
    return { pid, timeline };
  } catch (error) {
    await stopServer(dataDir).catch(() => {});
    if (error instanceof RecoveryError) throw error;
    throw new RestoreFailedError(`Restoring "${label}" failed: ${(error as Error).message}`, { log: logFile });
  }
}

async function waitForPromotion(instances: Instances, port: number, logFile: string): Promise<number> {
  const deadline = Date.now() + instances.startTimeoutMs;
  const conn = await connect(instances.url(port, "postgres"), { applicationName: "dbctl recovery" });
  try {
    for (;;) {
      const { rows } = await conn.query<{ recovering: boolean }>("SELECT pg_is_in_recovery() AS recovering");
      if (!rows[0]?.recovering) break;
      if (Date.now() > deadline) throw new Error(`recovery did not finish in time: ${lastLines(readLog(logFile), 3)}`);
      await sleep(100);
    }
  } finally {
    await conn.close();
  }
  return instances.currentTimeline(port);
}

/** A promoted branch's timeline history must be in the archive before anyone branches off it. */
async function waitForArchived(archiveDir: string, file: string, logFile: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(join(archiveDir, file))) {
    if (Date.now() > deadline) throw new Error(`${file} was not archived within ${timeoutMs / 1000} s: ${lastLines(readLog(logFile), 3)}`);
    await sleep(50);
  }
}
