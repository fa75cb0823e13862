import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../embedded/postgres.ts";
import { BranchExistsError, type RestoreBranchOptions, type RestoreResult, RestoreFailedError } from "../provider.ts";
import type { Instances } from "./instances.ts";
import { recoverInstance } from "./recover-instance.ts";
import { planRestore } from "./restore-window.ts";
import { serverOwnedDir, stopServer } from "./server.ts";
import { branchIn } from "./state.ts";

/**
 * Rewinds a branch in place (what `dbctl recovery promote` does to the primary): the state of
 * `at` is recovered into a scratch instance first, then swapped in. The restored data takes the
 * branch's folder and port, so its connection string keeps working; the replaced data moves to
 * branches/<preserved>/data and runs on the port the scratch instance had. Until the swap,
 * nothing of the branch is touched, and a failed move puts everything back.
 * Call it holding the store's lock.
 */
export async function restoreInPlace(instances: Instances, name: string, options: RestoreBranchOptions): Promise<RestoreResult> {
  const { store } = instances;
  const current = store.branch(name);
  if (store.findBranch(options.preserveUnderName)) throw new BranchExistsError(options.preserveUnderName);
  const plan = planRestore(store, current, await instances.refreshTimeline(current), options.at);

  const scratchName = `.restore-${randomBytes(4).toString("hex")}`;
  const scratch = store.branchDir(scratchName);
  const scratchPort = await freePort();
  let restored: { timeline: number };
  try {
    restored = await recoverInstance(instances, scratch, name, scratchPort, plan);
    await stopServer(join(scratch, "data"));
  } catch (error) {
    await stopServer(join(scratch, "data")).catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }

  instances.progress(`Swapping the restored data into "${name}" and keeping the old state as "${options.preserveUnderName}" ...`);
  const wasRunning = await stopServer(current.dataDir);
  const restart = async () => {
    if (wasRunning) await instances.start(current.dataDir, current.port, instances.logFile(name));
  };
  const preservedFolder = store.branchDir(options.preserveUnderName);
  const preservedData = join(preservedFolder, "data");
  serverOwnedDir(preservedFolder, instances.runAs, 0o755);
  try {
    moveDir(current.dataDir, preservedData);
  } catch (error) {
    rmSync(preservedFolder, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    await restart();
    throw new RestoreFailedError(`Could not move the data of "${name}" aside, so nothing was changed: ${(error as Error).message}`);
  }
  try {
    moveDir(join(scratch, "data"), current.dataDir);
  } catch (error) {
    moveDir(preservedData, current.dataDir);
    rmSync(preservedFolder, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    await restart();
    throw new RestoreFailedError(`Could not move the restored data into place, so nothing was changed: ${(error as Error).message}`);
  }
  rmSync(scratch, { recursive: true, force: true });

  const now = new Date();
  store.update((state) => {
    const record = branchIn(state, name);
    state.branches.push({
      name: options.preserveUnderName,
      dataDir: preservedData,
      port: scratchPort,
      ...(record.parent !== undefined && { parent: record.parent }),
      ...(record.parentTimestamp !== undefined && { parentTimestamp: record.parentTimestamp }),
      createdAt: now,
      primary: false,
      timeline: record.timeline,
    });
    Object.assign(record, { timeline: restored.timeline, restoredFrom: { at: options.at, branch: name } });
  });
  const pid = await instances.start(current.dataDir, current.port, instances.logFile(name));
  store.update((state) => (branchIn(state, name).pid = pid));
  if (wasRunning) {
    const preservedPid = await instances.start(preservedData, scratchPort, instances.logFile(options.preserveUnderName));
    store.update((state) => (branchIn(state, options.preserveUnderName).pid = preservedPid));
  }
  return { branch: instances.branch(name), preserved: instances.branch(options.preserveUnderName) };
}

/** rename(2), or copy and remove when the two places are on different file systems. */
function moveDir(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    // cp -a keeps owners and modes, which PostgreSQL checks on its data folder.
    execFileSync("cp", ["-a", from, to]);
    rmSync(from, { recursive: true, force: true });
  }
}
