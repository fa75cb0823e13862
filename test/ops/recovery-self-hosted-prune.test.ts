import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpsError } from "../../src/ops/errors.ts";
import { type PruneResult, type RecoveryProvider, OutsideRestoreWindowError, RecoveryError } from "../../src/ops/recovery/provider.ts";
import { type BackupRecord, SelfHostedRecovery } from "../../src/ops/recovery/self-hosted/index.ts";
import { postgresProcessesUnder } from "../../src/ops/recovery/self-hosted/server.ts";
import { databaseNow, FAST, sql, values } from "./recovery-support.ts";

/**
 * Retention of the self-hosted WAL archive on real PostgreSQL: writes spread over several base
 * backups, WAL segments and timelines, a prune with an injected `now` whose window starts between
 * two backups, then restores at the window's start, middle and end, and a branch that keeps what
 * its own restores need until it is deleted. Servers run under a temporary folder and are stopped
 * by pid when the file ends, however it ends.
 */

const DAY_MS = 86_400_000;
const SEGMENT_SIZE = 1024 * 1024; // initPrimary({ walSegmentSizeMb: 1 })
const SEGMENTS_PER_ID = 0x1_0000_0000 / SEGMENT_SIZE;

/** The segment number and timeline a WAL archive file (segment, .partial or .backup) is about. */
function segmentOf(name: string): { timeline: number; segno: number } | undefined {
  const match = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial|\.[0-9A-F]{8}\.backup)?$/.exec(name);
  if (!match) return undefined;
  return { timeline: Number.parseInt(match[1] as string, 16), segno: Number.parseInt(match[2] as string, 16) * SEGMENTS_PER_ID + Number.parseInt(match[3] as string, 16) };
}

function segnoOfLsn(lsn: string): number {
  const [high, low] = lsn.split("/").map((part) => Number.parseInt(part, 16)) as [number, number];
  return Math.floor((high * 0x1_0000_0000 + low) / SEGMENT_SIZE);
}

const historyFile = (timeline: number) => `${timeline.toString(16).toUpperCase().padStart(8, "0")}.history`;

describe("pruning the self-hosted archive to a retention window", { timeout: 120_000 }, () => {
  let root: string;
  let provider: SelfHostedRecovery;
  let recovery: RecoveryProvider; // what callers see: prune through the interface
  let mainUrl: string;
  let archiveDir: string;
  let k1: BackupRecord; // initPrimary's, on timeline 1
  let k2: BackupRecord; // after the promote, on main's new timeline
  let k3: BackupRecord;
  let tA: Date; // A written; main is later restored to this moment
  let keepFrom: Date; // A.., B written, C not yet: the start of the retention window
  let tC: Date; // C written, D not yet
  let now: Date;
  let scratchTimeline: number;
  let mainTimeline: number;

  const archive = () => readdirSync(archiveDir).sort();
  const backupIds = () => provider.store.backups().map((b) => b.id);
  const timelineOf = (name: string) => provider.store.read().branches.find((b) => b.name === name)?.timeline as number;
  /** What these archive files take on disk (the servers may archive newer ones meanwhile). */
  const archiveBytes = (names: string[]) => names.filter((name) => existsSync(join(archiveDir, name))).reduce((sum, name) => sum + diskBytes(join(archiveDir, name)), 0);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "pitr-prune-"));
    chmodSync(root, 0o755); // the servers run as the postgres user, which must enter it
    archiveDir = join(root, "archive");
    provider = new SelfHostedRecovery({ stateDir: root, settings: FAST, archiveTimeoutSeconds: 1, durable: false });
    recovery = provider;
    await provider.initPrimary({ walSegmentSizeMb: 1 });
    k1 = provider.store.backups()[0] as BackupRecord;
    mainUrl = await provider.connectionString("main");

    await sql(mainUrl, "CREATE TABLE items (v text); INSERT INTO items VALUES ('A')");
    tA = await databaseNow(mainUrl);
    await sql(mainUrl, "INSERT INTO items VALUES ('bad')");
    await provider.archiveCurrentWal();
    // A branch that is deleted again leaves a timeline (2) no branch reaches any more, and a
    // promote puts main on timeline 3 (its history crosses from timeline 1).
    await provider.createBranch("scratch", { at: tA });
    scratchTimeline = timelineOf("scratch");
    await provider.deleteBranch("scratch");
    await provider.restoreBranch("main", { at: tA, preserveUnderName: "main-old" });
    await provider.deleteBranch("main-old");
    mainTimeline = timelineOf("main");
    // Several segments of main's new timeline, so its next backup starts well after the fork.
    for (const v of ["A1", "A2", "A3", "A4"]) {
      await sql(mainUrl, `INSERT INTO items VALUES ('${v}')`);
      await provider.archiveCurrentWal();
    }

    k2 = await provider.takeBaseBackup();
    await sql(mainUrl, "INSERT INTO items VALUES ('B')");
    await provider.archiveCurrentWal();
    keepFrom = await databaseNow(mainUrl);
    await sql(mainUrl, "INSERT INTO items VALUES ('C')");
    await provider.archiveCurrentWal();
    tC = await databaseNow(mainUrl);
    k3 = await provider.takeBaseBackup();
    await sql(mainUrl, "INSERT INTO items VALUES ('D')");
    await provider.archiveCurrentWal();
    now = new Date(keepFrom.getTime() + DAY_MS);
  }, 120_000);

  afterAll(async () => {
    await provider?.stopAll();
    if (root) {
      for (const pid of postgresProcessesUnder(root)) {
        try {
          process.kill(pid, "SIGQUIT");
        } catch {
          // already gone
        }
      }
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  let dryRun: PruneResult;
  let pruned: PruneResult;

  it("refuses a negative window and an invalid now with one sentence", async () => {
    for (const options of [{ windowDays: -1 }, { windowDays: Number.NaN }, { windowDays: 1, now: new Date("nope") }]) {
      const error = await (recovery.prune?.(options) as Promise<PruneResult>).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OpsError);
      expect((error as OpsError).code).toBe("INVALID_PRUNE_OPTIONS");
      expect((error as OpsError).message).toMatch(/^[^\n]+\.$/);
    }
  });

  it("on a dry run reports what would go (the base backup and WAL before the window, the dead timeline's history) and removes nothing", async () => {
    const filesBefore = archive();
    const backupsBefore = backupIds();
    const stateBefore = readFileSync(join(root, "state.json"), "utf8");
    const windowBefore = await provider.restoreWindow();
    expect(windowBefore.from.getTime()).toBe(k1.consistentAt.getTime());
    expect(tA.getTime()).toBeGreaterThan(windowBefore.from.getTime());

    dryRun = (await recovery.prune?.({ windowDays: 1, now, dryRun: true })) as PruneResult;
    expect(dryRun.dryRun).toBe(true);
    expect(dryRun.keepFrom.toISOString()).toBe(keepFrom.toISOString());
    expect(dryRun.baseBackups).toMatchObject({ count: 1, names: [k1.id] });
    expect(dryRun.walSegments.count).toBeGreaterThan(0);
    expect(dryRun.historyFiles.names).toEqual([historyFile(scratchTimeline)]);
    expect(dryRun.bytesFreed).toBe(dryRun.baseBackups.bytes + dryRun.walSegments.bytes + dryRun.historyFiles.bytes);
    expect(dryRun.baseBackups.bytes).toBeGreaterThan(0);
    expect(dryRun.windowBefore).toEqual(windowBefore);
    expect(dryRun.windowAfter).toEqual({ from: k2.consistentAt, to: windowBefore.to });

    // Nothing removed (servers may have archived newer segments meanwhile), nothing rewritten.
    expect(archive()).toEqual(expect.arrayContaining(filesBefore));
    expect(backupIds()).toEqual(backupsBefore);
    expect(existsSync(join(root, "backups", k1.id, "data", "PG_VERSION"))).toBe(true);
    expect(readFileSync(join(root, "state.json"), "utf8")).toBe(stateBefore);
  });

  it("removes the backups and WAL only moments before the window need, across the timeline switch, and keeps main's history file", async () => {
    const filesBefore = archive();
    const bytesBefore = archiveBytes(filesBefore);
    const firstNeeded = segnoOfLsn(k2.startLsn);
    // The construction: the deleted branch's timeline ended before main's second backup began.
    const scratchSegments = filesBefore.filter((name) => segmentOf(name)?.timeline === scratchTimeline);
    expect(scratchSegments.every((name) => (segmentOf(name)?.segno as number) < firstNeeded)).toBe(true);

    pruned = (await recovery.prune?.({ windowDays: 1, now })) as PruneResult;
    expect(pruned.dryRun).toBe(false);
    // Exactly what the dry run announced.
    expect(pruned.baseBackups.names).toEqual(dryRun.baseBackups.names);
    expect(pruned.walSegments.names).toEqual(dryRun.walSegments.names);
    expect(pruned.historyFiles.names).toEqual(dryRun.historyFiles.names);
    expect(pruned.windowAfter).toEqual(dryRun.windowAfter);

    // Every file before the oldest needed backup's start is gone, of every timeline; all else stays.
    const expectedGone = filesBefore.filter((name) => {
      const segment = segmentOf(name);
      return segment !== undefined && segment.segno < firstNeeded;
    });
    expect(expectedGone.some((name) => segmentOf(name)?.timeline === 1)).toBe(true);
    expect([...pruned.walSegments.names].sort()).toEqual(expectedGone);
    const filesAfter = archive();
    for (const name of expectedGone) expect(filesAfter).not.toContain(name);
    for (const name of filesBefore.filter((n) => !expectedGone.includes(n) && n !== historyFile(scratchTimeline))) expect(filesAfter).toContain(name);
    expect(filesAfter).not.toContain(historyFile(scratchTimeline));
    expect(filesAfter).toContain(historyFile(mainTimeline));
    expect(archiveBytes(filesBefore)).toBe(bytesBefore - pruned.walSegments.bytes - pruned.historyFiles.bytes);
    expect(pruned.walSegments.bytes).toBeGreaterThan(0);

    // The first base backup is gone; the newest one and the one the window starts from stay.
    expect(backupIds()).toEqual([k2.id, k3.id]);
    expect(existsSync(join(root, "backups", k1.id))).toBe(false);

    const window = await recovery.restoreWindow();
    expect(window).toEqual(pruned.windowAfter);
    expect(window.from.getTime()).toBeLessThanOrEqual(keepFrom.getTime());
    expect(window.to).toEqual(pruned.windowBefore?.to);
  });

  it("restores the window's very start, its middle and its end exactly after the prune", async () => {
    const window = await recovery.restoreWindow();
    const expected: [string, Date, string[]][] = [
      ["window-start", window.from, ["A", "A1", "A2", "A3", "A4"]],
      ["at-keep-from", keepFrom, ["A", "A1", "A2", "A3", "A4", "B"]],
      ["middle", tC, ["A", "A1", "A2", "A3", "A4", "B", "C"]],
      ["window-end", window.to, ["A", "A1", "A2", "A3", "A4", "B", "C", "D"]],
    ];
    for (const [name, at, rows] of expected) {
      await recovery.createBranch(name, { at });
      expect(await values(await recovery.connectionString(name)), name).toEqual(rows);
    }
    // at-keep-from stays for the next test; the others go.
    for (const name of ["window-start", "middle", "window-end"]) await recovery.deleteBranch(name);
  });

  it("refuses a moment before the window now, which was restorable before the prune", async () => {
    const window = await recovery.restoreWindow();
    for (const at of [tA, new Date(window.from.getTime() - 1)]) {
      const error = await recovery.createBranch("too-early", { at }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OutsideRestoreWindowError);
      expect((error as RecoveryError).code).toBe("OUTSIDE_RESTORE_WINDOW");
      expect((error as RecoveryError).message).toContain(window.from.toISOString());
    }
    expect((await recovery.listBranches()).map((b) => b.name).sort()).toEqual(["at-keep-from", "main"]);
  });

  it("keeps what an existing branch's restores need, older than the window, until that branch is deleted", async () => {
    const k4 = await provider.takeBaseBackup();
    const keepFrom2 = await databaseNow(mainUrl);
    await sql(mainUrl, "INSERT INTO items VALUES ('E')");
    await provider.archiveCurrentWal();
    const now2 = new Date(keepFrom2.getTime() + DAY_MS);

    // at-keep-from forked from main between k2 and k3: k2 is where its restores start, so it
    // stays although main's window now starts at k4; k3 serves no one and goes.
    const pinned = (await recovery.prune?.({ windowDays: 1, now: now2 })) as PruneResult;
    expect(pinned.baseBackups.names).toEqual([k3.id]);
    expect(pinned.walSegments.count).toBe(0);
    // The branch's own timeline is reachable, so its history stays; a dead timeline's history
    // goes only with the last of its WAL.
    expect(pinned.historyFiles.names).not.toContain(historyFile(timelineOf("at-keep-from")));
    expect(archive()).toContain(historyFile(timelineOf("at-keep-from")));
    for (const name of pinned.historyFiles.names) {
      expect(archive().filter((file) => segmentOf(file)?.timeline === Number.parseInt(name, 16))).toEqual([]);
    }
    expect(backupIds()).toEqual([k2.id, k4.id]);
    const branchWindow = await recovery.restoreWindow({ branch: "at-keep-from" });
    expect(branchWindow.from).toEqual(k2.consistentAt);
    await recovery.createBranch("from-pinned", { parent: "at-keep-from", at: branchWindow.to });
    expect(await values(await recovery.connectionString("from-pinned"))).toEqual(["A", "A1", "A2", "A3", "A4", "B"]);

    const pinnedTimelines = [timelineOf("at-keep-from"), timelineOf("from-pinned")];
    await expect(recovery.deleteBranch("at-keep-from")).rejects.toMatchObject({ code: "BRANCH_HAS_CHILDREN" });
    await recovery.deleteBranch("from-pinned");
    await recovery.deleteBranch("at-keep-from");

    // With the branch gone, k2 and the WAL before k4 go, and the history files of every timeline
    // no branch is on any more (this branch's, its child's, the deleted restores' of the test before).
    const filesBefore = archive();
    const firstNeeded = segnoOfLsn(k4.startLsn);
    // The construction: every other timeline ended before k4 began.
    const elsewhere = filesBefore.filter((name) => segmentOf(name) !== undefined && segmentOf(name)?.timeline !== mainTimeline);
    expect(elsewhere.every((name) => (segmentOf(name)?.segno as number) < firstNeeded)).toBe(true);
    const freed = (await recovery.prune?.({ windowDays: 1, now: now2 })) as PruneResult;
    expect(freed.baseBackups.names).toEqual([k2.id]);
    expect(backupIds()).toEqual([k4.id]);
    expect(freed.walSegments.count).toBeGreaterThan(0);
    expect(archive().every((name) => (segmentOf(name)?.segno ?? firstNeeded) >= firstNeeded)).toBe(true);
    const deadHistories = filesBefore.filter((name) => name.endsWith(".history") && name !== historyFile(mainTimeline));
    expect(deadHistories).toEqual(expect.arrayContaining(pinnedTimelines.map(historyFile)));
    expect(freed.historyFiles.names).toEqual(deadHistories);
    expect(archive().filter((name) => name.endsWith(".history"))).toEqual([historyFile(mainTimeline)]);

    // Main still restores every moment of the new window; the newest backup stays whatever the window.
    expect((await recovery.restoreWindow()).from).toEqual(k4.consistentAt);
    await recovery.createBranch("at-keep-from-2", { at: keepFrom2 });
    expect(await values(await recovery.connectionString("at-keep-from-2"))).toEqual(["A", "A1", "A2", "A3", "A4", "B", "C", "D"]);
    const far = (await recovery.prune?.({ windowDays: 1, now: new Date(now2.getTime() + 365 * DAY_MS) })) as PruneResult;
    expect(far.baseBackups.count).toBe(0);
    expect(backupIds()).toEqual([k4.id]);
  });
});

/** Archived segments are sparse copies: the blocks a file takes on disk, as prune counts them. */
function diskBytes(path: string): number {
  return lstatSync(path).blocks * 512;
}
