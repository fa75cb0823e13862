import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../src/ops/embedded/postgres.ts";
import { BranchHasChildrenError, RecoveryError } from "../../src/ops/recovery/provider.ts";
import { SelfHostedRecovery, embeddedArchivingSettings, ensureBaseBackup } from "../../src/ops/recovery/self-hosted/index.ts";
import { postgresProcessesUnder } from "../../src/ops/recovery/self-hosted/server.ts";
import { databaseNow, FAST as SHARED_FAST, hasTable, sql, values } from "./recovery-support.ts";

/**
 * Real point-in-time recovery on PostgreSQL instances of this file's own (not the shared test
 * server): WAL archiving, base backups, recovery to a timestamp, timelines. Every server started
 * here runs under a temporary folder and is stopped by its pid when the file ends, however it ends.
 */

const FAST = { ...SHARED_FAST, max_connections: "20", track_commit_timestamp: "on" };

async function expectRecoveryError(promise: Promise<unknown>, code: string): Promise<RecoveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecoveryError);
  expect((error as RecoveryError).code).toBe(code);
  expect((error as RecoveryError).message).toMatch(/^[^\n]+\.$/);
  return error as RecoveryError;
}

function killEverythingUnder(root: string) {
  for (const pid of postgresProcessesUnder(root)) {
    try {
      process.kill(pid, "SIGQUIT");
    } catch {
      // already gone
    }
  }
}

describe("self-hosted point-in-time recovery", { timeout: 60_000 }, () => {
  let root: string;
  let provider: SelfHostedRecovery;
  let mainUrl: string;
  let t: Date; // A written, B not yet, the table still there

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "pitr-test-"));
    chmodSync(root, 0o755); // the servers run as the postgres user, which must enter it
    provider = new SelfHostedRecovery({ stateDir: root, settings: FAST, archiveTimeoutSeconds: 1, durable: false });
    await provider.initPrimary({ walSegmentSizeMb: 1 });
    mainUrl = await provider.connectionString("main");

    await sql(mainUrl, "CREATE TABLE keep_me (id int); CREATE TABLE items (v text)");
    await sql(mainUrl, "INSERT INTO items VALUES ('A')");
    t = await databaseNow(mainUrl);
    await sql(mainUrl, "INSERT INTO items VALUES ('B')");
    await sql(mainUrl, "DROP TABLE keep_me"); // the disaster
    await provider.archiveCurrentWal();
  }, 120_000);

  afterAll(async () => {
    await provider?.stopAll();
    if (root) {
      killEverythingUnder(root);
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  it("has a restore window from the first base backup to the last archived commit, covering T", async () => {
    const window = await provider.restoreWindow();
    expect(window.from.getTime()).toBeLessThanOrEqual(t.getTime());
    expect(window.to.getTime()).toBeGreaterThan(t.getTime());
    // The end is the last commit in the archive, to the millisecond.
    const [last] = await sql<{ at: Date }>(mainUrl, "SELECT timestamp AS at FROM pg_last_committed_xact()");
    expect(window.to.toISOString()).toBe(last?.at.toISOString());
  });

  it("creates a branch holding the parent's state at T: A and the table, not B", async () => {
    const branch = await provider.createBranch("before-disaster", { at: t });
    expect(branch).toMatchObject({ name: "before-disaster", parent: "main", primary: false, state: "ready" });
    expect(branch.parentTimestamp?.toISOString()).toBe(t.toISOString());
    const url = await provider.connectionString("before-disaster");
    expect(await values(url)).toEqual(["A"]);
    expect(await hasTable(url, "keep_me")).toBe(true);
    // The branch is a server of its own, writable, and main is untouched by its writes.
    await sql(url, "INSERT INTO items VALUES ('on-branch')");
    expect(await values(mainUrl)).toEqual(["A", "B"]);
  });

  it("refuses a time outside the window with a clear error and starts nothing", async () => {
    const window = await provider.restoreWindow();
    const processes = postgresProcessesUnder(root).sort();
    const folders = readdirSync(join(root, "branches")).sort();

    const later = new Date(window.to.getTime() + 60 * 60_000);
    const error = await expectRecoveryError(provider.createBranch("too-late", { at: later }), "OUTSIDE_RESTORE_WINDOW");
    expect(error.message).toContain(later.toISOString());
    expect(error.message).toContain(window.to.toISOString());
    await expectRecoveryError(provider.createBranch("too-early", { at: new Date(window.from.getTime() - 1) }), "OUTSIDE_RESTORE_WINDOW");
    await expectRecoveryError(provider.restoreBranch("main", { at: later, preserveUnderName: "never" }), "OUTSIDE_RESTORE_WINDOW");

    expect(postgresProcessesUnder(root).sort()).toEqual(processes);
    expect(readdirSync(join(root, "branches")).sort()).toEqual(folders);
    expect((await provider.listBranches()).map((b) => b.name).sort()).toEqual(["before-disaster", "main"]);
    expect(await values(mainUrl)).toEqual(["A", "B"]);
  });

  it("restores main in place to T, keeping its connection string, and preserves the replaced state", async () => {
    const result = await provider.restoreBranch("main", { at: t, preserveUnderName: "main-before-restore" });
    expect(result.branch).toMatchObject({ name: "main", primary: true, state: "ready" });
    expect(result.branch.restoredFrom?.at.toISOString()).toBe(t.toISOString());
    expect(result.preserved).toMatchObject({ name: "main-before-restore", primary: false, state: "ready" });

    expect(await provider.connectionString("main")).toBe(mainUrl);
    expect(await values(mainUrl)).toEqual(["A"]);
    expect(await hasTable(mainUrl, "keep_me")).toBe(true);

    const preservedUrl = await provider.connectionString("main-before-restore");
    expect(preservedUrl).not.toBe(mainUrl);
    expect(await values(preservedUrl)).toEqual(["A", "B"]);
    expect(await hasTable(preservedUrl, "keep_me")).toBe(false);
  });

  it("lets the restored main take writes, and restores its new history too (across the timeline switch)", async () => {
    await sql(mainUrl, "INSERT INTO items VALUES ('C')");
    const afterC = await databaseNow(mainUrl);
    await sql(mainUrl, "INSERT INTO items VALUES ('D')");
    await provider.archiveCurrentWal();

    const window = await provider.restoreWindow();
    expect(window.from.getTime()).toBeLessThanOrEqual(t.getTime());
    expect(window.to.getTime()).toBeGreaterThan(afterC.getTime());

    await provider.createBranch("after-restore", { at: afterC });
    const url = await provider.connectionString("after-restore");
    expect(await values(url)).toEqual(["A", "C"]);
    expect(await hasTable(url, "keep_me")).toBe(true);

    // The very end of the window is restorable too: it holds the last archived commit.
    const end = await provider.createBranch("at-window-end", { at: window.to });
    expect(end.state).toBe("ready");
    expect(await values(await provider.connectionString("at-window-end"))).toEqual(["A", "C", "D"]);
  });

  it("branches from the parent's current state when no time is given", async () => {
    await sql(mainUrl, "INSERT INTO items VALUES ('E')");
    await provider.createBranch("head", {});
    expect(await values(await provider.connectionString("head"))).toEqual(["A", "C", "D", "E"]);
  });

  it("lists and deletes branches, and answers conflicts and unknown names with codes", async () => {
    const names = (await provider.listBranches()).map((b) => b.name).sort();
    expect(names).toEqual(["after-restore", "at-window-end", "before-disaster", "head", "main", "main-before-restore"]);
    expect((await provider.listBranches()).filter((b) => b.primary).map((b) => b.name)).toEqual(["main"]);

    const headDir = join(root, "branches", "head");
    expect(existsSync(headDir)).toBe(true);
    await provider.deleteBranch("head");
    expect(existsSync(headDir)).toBe(false);
    expect((await provider.listBranches()).map((b) => b.name)).not.toContain("head");

    await expectRecoveryError(provider.deleteBranch("head"), "BRANCH_NOT_FOUND");
    await expectRecoveryError(provider.deleteBranch("main"), "BRANCH_IS_PRIMARY");
    await expectRecoveryError(provider.createBranch("before-disaster", { at: t }), "BRANCH_EXISTS");
    await expectRecoveryError(provider.createBranch("x", { parent: "nope", at: t }), "BRANCH_NOT_FOUND");
    await expectRecoveryError(provider.createBranch("../escape", { at: t }), "INVALID_BRANCH_NAME");
    await expectRecoveryError(provider.restoreBranch("main", { at: t, preserveUnderName: "before-disaster" }), "BRANCH_EXISTS");
    await expectRecoveryError(provider.connectionString("nope"), "BRANCH_NOT_FOUND");
    expect(await values(mainUrl)).toEqual(["A", "C", "D", "E"]);
  });

  it("keeps branches across a restart of the tooling: a new provider lists them and starts them again", async () => {
    await provider.stopBranch("main-before-restore");
    const again = new SelfHostedRecovery({ stateDir: root, settings: FAST, archiveTimeoutSeconds: 1, durable: false });
    const listed = await again.listBranches();
    expect(listed.find((b) => b.name === "main-before-restore")?.state).toBe("stopped");
    expect(listed.find((b) => b.name === "main")?.state).toBe("ready");

    const started = await again.startBranch("main-before-restore");
    expect(started.state).toBe("ready");
    expect(await values(await again.connectionString("main-before-restore"))).toEqual(["A", "B"]);
  });

  it("refuses to delete a branch others were forked from, changing nothing, and deletes it once they are gone", async () => {
    await provider.createBranch("child-of-before", { parent: "before-disaster" });
    const parentUrl = await provider.connectionString("before-disaster");
    const parentDir = join(root, "branches", "before-disaster");
    const processes = postgresProcessesUnder(root).sort();

    const error = await expectRecoveryError(provider.deleteBranch("before-disaster"), "BRANCH_HAS_CHILDREN");
    expect(error).toBeInstanceOf(BranchHasChildrenError);
    expect(error.message).toContain("(child-of-before)");
    expect(error.details).toEqual({ branch: "before-disaster", children: ["child-of-before"] });
    // Still running, still in the registry, its folder and data untouched.
    expect(postgresProcessesUnder(root).sort()).toEqual(processes);
    expect(existsSync(join(parentDir, "data", "PG_VERSION"))).toBe(true);
    expect((await provider.listBranches()).find((b) => b.name === "before-disaster")).toMatchObject({ parent: "main", state: "ready" });
    expect(await provider.connectionString("before-disaster")).toBe(parentUrl);
    expect(await values(parentUrl)).toEqual(["A", "on-branch"]);

    await provider.deleteBranch("child-of-before");
    await provider.deleteBranch("before-disaster");
    expect(existsSync(parentDir)).toBe(false);
    expect((await provider.listBranches()).map((b) => b.name)).not.toContain("before-disaster");
  });
});

describe("npm start's embedded server with archiving", { timeout: 90_000 }, () => {
  let root: string;
  let embedded: EmbeddedServer | undefined;
  let provider: SelfHostedRecovery;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "pitr-embedded-"));
    chmodSync(root, 0o755);
  });

  afterAll(async () => {
    await provider?.deleteBranch("copy").catch(() => {});
    await embedded?.stop();
    killEverythingUnder(root);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("archives with embeddedArchivingSettings, takes the first base backup once, and can be branched at a time", async () => {
    const stateDir = join(root, "recovery");
    const dataDir = join(root, "pg");
    embedded = await startEmbeddedPostgres({
      dataDir,
      persistent: false,
      settings: { ...FAST, ...embeddedArchivingSettings(stateDir, { archiveTimeoutSeconds: 1 }) },
    });
    const first = await ensureBaseBackup({ stateDir, dataDir, port: embedded.port });
    expect(first?.branch).toBe("main");
    expect(await ensureBaseBackup({ stateDir, dataDir, port: embedded.port })).toBeUndefined();

    const url = embedded.url("postgres");
    await sql(url, "CREATE TABLE items (v text); INSERT INTO items VALUES ('X')");
    const afterX = await databaseNow(url);
    await sql(url, "INSERT INTO items VALUES ('Y')");

    provider = new SelfHostedRecovery({ stateDir, settings: FAST, durable: false });
    await provider.archiveCurrentWal();
    expect((await provider.restoreWindow()).to.getTime()).toBeGreaterThan(afterX.getTime());
    await provider.createBranch("copy", { at: afterX });
    expect(await values(await provider.connectionString("copy"))).toEqual(["X"]);
    expect(await values(url)).toEqual(["X", "Y"]);
  });
});
