import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorBackend, NeonRecoveryProvider, type NeonEmulator, startNeonEmulator } from "../../src/ops/recovery/neon/index.ts";
import { type Branch, BranchHasChildrenError, RecoveryError, type Snapshot } from "../../src/ops/recovery/provider.ts";
import { SelfHostedRecovery } from "../../src/ops/recovery/self-hosted/index.ts";
import { databaseNow, FAST as SHARED_FAST, hasTable, sql, values } from "./recovery-support.ts";
import { postgresPidsUnder, stopPostgresUnder } from "./recovery-neon/processes.ts";

/**
 * The disaster scenario of recovery-self-hosted.test.ts, through the Neon code path:
 * NeonRecoveryProvider -> @neondatabase/api-client over HTTP -> the Neon API emulator -> the
 * self-hosted provider -> real PostgreSQL servers of this file's own, stopped by pid at the end.
 */

const API_KEY = "neon-test-key-7f3a9c1e5b";
const WRONG_KEY = "neon-wrong-key-0d4e8b2a6c";
const PROJECT = "quiet-sea-12345678";
const RETENTION_SECONDS = 3600;

const FAST = { ...SHARED_FAST, max_connections: "20" };

/** Every error the provider threw in this file, to check that none carries the API key. */
const seenErrors: unknown[] = [];

async function expectRecoveryError(promise: Promise<unknown>, code: string): Promise<RecoveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  seenErrors.push(error);
  expect(error).toBeInstanceOf(RecoveryError);
  expect((error as RecoveryError).code).toBe(code);
  expect((error as RecoveryError).message).toMatch(/^[^\n]+\.$/);
  return error as RecoveryError;
}

describe("Neon recovery through the API emulator", { timeout: 60_000 }, () => {
  let root: string;
  let self: SelfHostedRecovery;
  let emulator: NeonEmulator;
  let neon: NeonRecoveryProvider;
  let mainUrl: string;
  let mainId: string;
  let t: Date; // A written and archived, B not yet, the table still there
  let branchSnapshot: Snapshot | undefined; // of before-disaster, which a later test deletes
  const extraEmulators: NeonEmulator[] = [];

  const provider = (overrides: Partial<ConstructorParameters<typeof NeonRecoveryProvider>[0]> = {}) =>
    new NeonRecoveryProvider({ apiKey: API_KEY, projectId: PROJECT, baseURL: emulator.url, database: "postgres", role: "postgres", pollIntervalMs: 50, ...overrides });
  const requestsTo = (method: string, pattern: RegExp, from = 0) => emulator.requests.slice(from).filter((r) => r.method === method && pattern.test(r.path));
  const names = (branches: Branch[]) => branches.map((b) => b.name).sort();
  /** The self-hosted provider as an emulator backend, with some methods replaced. */
  const backend = (overrides: Partial<EmulatorBackend>): EmulatorBackend => ({
    kind: "self-hosted",
    listBranches: () => self.listBranches(),
    restoreWindow: (options) => self.restoreWindow(options),
    connectionString: (branch, options) => self.connectionString(branch, options),
    createBranch: (name, options) => self.createBranch(name, options),
    restoreBranch: (branch, options) => self.restoreBranch(branch, options),
    deleteBranch: (name) => self.deleteBranch(name),
    archiveCurrentWal: (branch) => self.archiveCurrentWal(branch),
    startBranch: (name) => self.startBranch(name),
    ...overrides,
  });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "neon-recovery-test-"));
    chmodSync(root, 0o755); // the servers run as the postgres user, which must enter it
    self = new SelfHostedRecovery({ stateDir: root, settings: FAST, archiveTimeoutSeconds: 1, durable: false });
    await self.initPrimary({ walSegmentSizeMb: 1 });
    emulator = await startNeonEmulator({ provider: self, apiKey: API_KEY, projectId: PROJECT, historyRetentionSeconds: RETENTION_SECONDS, operationDelayMs: 150 });
    neon = provider();

    mainUrl = await neon.connectionString("main");
    mainId = (await neon.listBranches()).find((b) => b.name === "main")?.id as string;
    await sql(mainUrl, "CREATE TABLE keep_me (id int); CREATE TABLE items (v text)");
    await sql(mainUrl, "INSERT INTO items VALUES ('A')");
    await self.archiveCurrentWal();
    t = await databaseNow(mainUrl);
    await sql(mainUrl, "INSERT INTO items VALUES ('B')");
    await sql(mainUrl, "DROP TABLE keep_me"); // the disaster
  }, 120_000);

  afterAll(async () => {
    for (const extra of extraEmulators) await extra.close().catch(() => {});
    await emulator?.close().catch(() => {});
    await self?.stopAll().catch(() => {});
    if (root) {
      stopPostgresUnder(root);
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  it("lists the primary as Neon's default branch, with a br- id, and connects to it", async () => {
    const [main] = await neon.listBranches();
    expect(main).toMatchObject({ name: "main", primary: true, state: "ready" });
    expect(main?.id).toMatch(/^br-[a-z0-9-]+$/);
    expect(main?.parent).toBeUndefined();
    expect(await values(mainUrl)).toEqual(["A", "B"]);
  });

  it("has a restore window of the project's history retention up to now, covering T", async () => {
    const before = Date.now();
    const window = await neon.restoreWindow();
    expect(window.to.getTime() - window.from.getTime()).toBe(RETENTION_SECONDS * 1000);
    expect(window.to.getTime()).toBeGreaterThanOrEqual(before);
    expect(window.from.getTime()).toBeLessThan(t.getTime());
    expect(window.to.getTime()).toBeGreaterThan(t.getTime());
    expect(requestsTo("GET", new RegExp(`^/api/v2/projects/${PROJECT}$`)).at(-1)?.status).toBe(200);
  });

  it("creates a branch holding the parent's state at T (A and the table, not B), waiting for its operations", async () => {
    const from = emulator.requests.length;
    const branch = await neon.createBranch("before-disaster", { at: t });
    expect(branch).toMatchObject({ name: "before-disaster", parent: "main", primary: false, state: "ready" });
    expect(branch.id).toMatch(/^br-/);
    expect(branch.parentTimestamp?.toISOString()).toBe(t.toISOString());

    // What went over the wire: Neon's request shape, then operations polled from running to finished.
    const [create] = requestsTo("POST", new RegExp(`^/api/v2/projects/${PROJECT}/branches$`), from);
    expect(create?.status).toBe(201);
    expect(create?.body).toEqual({ branch: { name: "before-disaster", parent_id: mainId, parent_timestamp: t.toISOString() }, endpoints: [{ type: "read_write" }] });
    const operationIds = (create?.response as { operations: Array<{ id: string; status: string }> }).operations.map((op) => op.id);
    expect(operationIds.length).toBeGreaterThan(0);
    for (const id of operationIds) {
      const polls = requestsTo("GET", new RegExp(`/operations/${id}$`), from).map((r) => (r.response as { operation: { status: string } }).operation.status);
      expect(polls).toContain("running");
      expect(polls.at(-1)).toBe("finished");
    }

    const url = await neon.connectionString("before-disaster");
    expect(url).not.toBe(mainUrl);
    expect(await values(url)).toEqual(["A"]);
    expect(await hasTable(url, "keep_me")).toBe(true);
    expect(await values(await neon.connectionString("before-disaster", { pooled: true }))).toEqual(["A"]);
    expect(requestsTo("GET", /\/connection_uri$/).some((r) => r.query.pooled === "true" && r.query.branch_id === branch.id)).toBe(true);

    // A branch of its own: writes there leave main alone.
    await sql(url, "INSERT INTO items VALUES ('on-branch')");
    expect(await values(mainUrl)).toEqual(["A", "B"]);
  });

  it("refuses a time outside the window with OUTSIDE_RESTORE_WINDOW and creates nothing", async () => {
    const window = await neon.restoreWindow();
    const before = { neon: names(await neon.listBranches()), self: names(await self.listBranches()), pids: postgresPidsUnder(root), folders: readdirSync(join(root, "branches")).sort() };
    const from = emulator.requests.length;

    const later = new Date(Date.now() + 60 * 60_000);
    const error = await expectRecoveryError(neon.createBranch("too-late", { at: later }), "OUTSIDE_RESTORE_WINDOW");
    expect(error.message).toContain(later.toISOString());
    await expectRecoveryError(neon.createBranch("too-early", { at: new Date(window.from.getTime() - 60_000) }), "OUTSIDE_RESTORE_WINDOW");
    await expectRecoveryError(neon.restoreBranch("main", { at: later, preserveUnderName: "never" }), "OUTSIDE_RESTORE_WINDOW");
    await expectRecoveryError(neon.createBranch("not-a-date", { at: new Date(Number.NaN) }), "OUTSIDE_RESTORE_WINDOW");
    // Those never reached the API.
    expect(requestsTo("POST", /./, from)).toEqual([]);

    // Inside the project's retention but before any history the backend keeps: the API refuses it.
    const beforeHistory = new Date((await self.restoreWindow()).from.getTime() - 5_000);
    expect(beforeHistory.getTime()).toBeGreaterThan(window.from.getTime());
    const refused = await expectRecoveryError(neon.createBranch("before-history", { at: beforeHistory }), "OUTSIDE_RESTORE_WINDOW");
    expect(refused.details?.reason).toMatch(/oldest history/);
    expect(requestsTo("POST", /\/branches$/, from).map((r) => r.status)).toEqual([400]);
    expect((requestsTo("POST", /\/branches$/, from)[0]?.response as { code: string; message: string }).message).toMatch(/parent_timestamp/);

    expect(names(await neon.listBranches())).toEqual(before.neon);
    expect(names(await self.listBranches())).toEqual(before.self);
    expect(postgresPidsUnder(root)).toEqual(before.pids);
    expect(readdirSync(join(root, "branches")).sort()).toEqual(before.folders);
    expect(await values(mainUrl)).toEqual(["A", "B"]);
  });

  it("takes snapshots of now and of T (waiting for their operations), lists them newest first, and deletes one", async () => {
    const from = emulator.requests.length;
    const expiresAt = new Date(Date.now() + 86_400_000);
    const startedAt = Date.now();
    const nightly = await neon.createSnapshot("nightly", { expiresAt });
    expect(nightly).toMatchObject({ name: "nightly", sourceBranch: "main", expiresAt });
    expect(nightly.id).toMatch(/^snap-[a-z0-9-]+$/);
    expect(nightly.at.getTime()).toBeGreaterThanOrEqual(startedAt);
    const atT = await neon.createSnapshot("at-t", { at: t });
    expect(atT).toMatchObject({ name: "at-t", sourceBranch: "main", at: t });
    expect(atT.expiresAt).toBeUndefined();
    branchSnapshot = await neon.createSnapshot("before-disaster-now", { branch: "before-disaster" });
    expect(branchSnapshot.sourceBranch).toBe("before-disaster");

    // Neon's request shape (query parameters, no body), then each operation polled until finished.
    const beforeDisasterId = (await neon.listBranches()).find((b) => b.name === "before-disaster")?.id;
    const posts = requestsTo("POST", /\/snapshot$/, from);
    expect(posts.map((r) => [r.path, r.query, r.status])).toEqual([
      [`/api/v2/projects/${PROJECT}/branches/${mainId}/snapshot`, { name: "nightly", expires_at: expiresAt.toISOString() }, 200],
      [`/api/v2/projects/${PROJECT}/branches/${mainId}/snapshot`, { name: "at-t", timestamp: t.toISOString() }, 200],
      [`/api/v2/projects/${PROJECT}/branches/${beforeDisasterId}/snapshot`, { name: "before-disaster-now" }, 200],
    ]);
    for (const post of posts) {
      for (const op of (post.response as { operations: Array<{ id: string }> }).operations) {
        const polls = requestsTo("GET", new RegExp(`/operations/${op.id}$`), from).map((r) => (r.response as { operation: { status: string } }).operation.status);
        expect(polls.at(-1)).toBe("finished");
      }
    }

    const listed = await neon.listSnapshots();
    expect(listed.map((snap) => snap.name)).toEqual(["before-disaster-now", "at-t", "nightly"]);
    expect(listed.find((snap) => snap.id === atT.id)).toEqual(atT);

    await neon.deleteSnapshot(nightly.id);
    expect((await neon.listSnapshots()).map((snap) => snap.name)).toEqual(["before-disaster-now", "at-t"]);
    await expectRecoveryError(neon.deleteSnapshot(nightly.id), "SNAPSHOT_NOT_FOUND");
    await expectRecoveryError(neon.deleteSnapshot("../../branches"), "SNAPSHOT_NOT_FOUND");
    expect(requestsTo("DELETE", /\/snapshots\//, from).map((r) => [r.path, r.status])).toEqual([
      [`/api/v2/projects/${PROJECT}/snapshots/${nightly.id}`, 200],
      [`/api/v2/projects/${PROJECT}/snapshots/${nightly.id}`, 404],
    ]);
  });

  it("refuses a snapshot of a moment outside the window (OUTSIDE_RESTORE_WINDOW), a past expiry or a bad name, and takes nothing", async () => {
    const window = await neon.restoreWindow();
    const before = { snapshots: await neon.listSnapshots(), branches: names(await neon.listBranches()), pids: postgresPidsUnder(root) };
    const from = emulator.requests.length;

    const later = new Date(Date.now() + 60 * 60_000);
    const error = await expectRecoveryError(neon.createSnapshot("too-late", { at: later }), "OUTSIDE_RESTORE_WINDOW");
    expect(error.message).toContain(later.toISOString());
    await expectRecoveryError(neon.createSnapshot("too-early", { at: new Date(window.from.getTime() - 60_000) }), "OUTSIDE_RESTORE_WINDOW");
    await expectRecoveryError(neon.createSnapshot("not-a-date", { at: new Date(Number.NaN) }), "OUTSIDE_RESTORE_WINDOW");
    await expectRecoveryError(neon.createSnapshot("expired", { expiresAt: new Date(Date.now() - 1_000) }), "INVALID_SNAPSHOT");
    await expectRecoveryError(neon.createSnapshot(" ", {}), "INVALID_SNAPSHOT");
    await expectRecoveryError(neon.createSnapshot("two\nlines", {}), "INVALID_SNAPSHOT");
    await expectRecoveryError(neon.createSnapshot("of-nothing", { branch: "nope" }), "BRANCH_NOT_FOUND");
    // Those never reached the API.
    expect(requestsTo("POST", /./, from)).toEqual([]);

    // Inside the project's retention but before any history the backend keeps: the API refuses it.
    const beforeHistory = new Date((await self.restoreWindow()).from.getTime() - 5_000);
    expect(beforeHistory.getTime()).toBeGreaterThan(window.from.getTime());
    const refused = await expectRecoveryError(neon.createSnapshot("before-history", { at: beforeHistory }), "OUTSIDE_RESTORE_WINDOW");
    expect(refused.details?.reason).toMatch(/oldest history/);
    expect(requestsTo("POST", /\/snapshot$/, from).map((r) => r.status)).toEqual([400]);

    expect(await neon.listSnapshots()).toEqual(before.snapshots);
    expect(names(await neon.listBranches())).toEqual(before.branches);
    expect(postgresPidsUnder(root)).toEqual(before.pids);
  });

  it("lets a snapshot vanish from the list once its expiry has passed", async () => {
    const expiresAt = new Date(Date.now() + 1_500);
    const brief = await neon.createSnapshot("brief", { expiresAt });
    expect(brief.expiresAt).toEqual(expiresAt);
    expect((await neon.listSnapshots()).map((snap) => snap.id)).toContain(brief.id);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now()) + 50));
    expect((await neon.listSnapshots()).map((snap) => snap.id)).not.toContain(brief.id);
    await expectRecoveryError(neon.deleteSnapshot(brief.id), "SNAPSHOT_NOT_FOUND");
  });

  it("retries while another operation runs (423), and maps a name taken meanwhile (409) to BRANCH_EXISTS", async () => {
    // An emulator whose "blocker" branch takes until the test opens the gate: its operation runs till then.
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gated = backend({
      createBranch: async (name, options) => {
        if (name === "blocker") await gate;
        return self.createBranch(name, options);
      },
    });
    const busy = await startNeonEmulator({ provider: gated, apiKey: API_KEY, projectId: PROJECT, historyRetentionSeconds: RETENTION_SECONDS, operationDelayMs: 50 });
    extraEmulators.push(busy);
    const blocker = await fetch(`${busy.url}/projects/${PROJECT}/branches`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ branch: { name: "blocker", parent_timestamp: t.toISOString() } }),
    });
    expect(blocker.status).toBe(201);

    const client = provider({ baseURL: busy.url });
    const patient = client.createBranch("patient", { at: t });
    const contested = client.createBranch("contested", { at: t }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const refusedWhileBusy = (name: string) =>
      busy.requests.some((r) => r.method === "POST" && r.status === 423 && (r.body as { branch?: { name?: string } }).branch?.name === name);
    for (let i = 0; i < 600 && !(refusedWhileBusy("patient") && refusedWhileBusy("contested")); i++) await new Promise((r) => setTimeout(r, 20));
    expect(refusedWhileBusy("patient") && refusedWhileBusy("contested")).toBe(true);

    // Someone else takes the name "contested" while the provider waits to retry, then the blocker ends.
    await self.createBranch("contested", { at: t });
    openGate();

    expect(await patient).toMatchObject({ name: "patient", parent: "main", state: "ready" });
    const error = (await contested) as RecoveryError;
    seenErrors.push(error);
    expect(error).toBeInstanceOf(RecoveryError);
    expect(error.code).toBe("BRANCH_EXISTS");
    expect(error.message).toContain('"contested"');
    const contestedStatuses = busy.requests.filter((r) => r.method === "POST" && (r.body as { branch?: { name?: string } }).branch?.name === "contested").map((r) => r.status);
    expect(contestedStatuses[0]).toBe(423);
    expect(contestedStatuses.at(-1)).toBe(409);
    expect(await values(await neon.connectionString("patient"))).toEqual(["A"]);

    for (const name of ["blocker", "patient", "contested"]) await neon.deleteBranch(name);
    expect(names(await neon.listBranches())).toEqual(["before-disaster", "main"]);
  });

  it("reports a failed operation as RESTORE_FAILED naming it, and keeps nothing of it", async () => {
    const failing = backend({
      createBranch: async () => {
        throw new Error("could not create the data folder: No space left on device");
      },
    });
    const broken = await startNeonEmulator({ provider: failing, apiKey: API_KEY, projectId: PROJECT, historyRetentionSeconds: RETENTION_SECONDS, operationDelayMs: 50 });
    extraEmulators.push(broken);
    const client = provider({ baseURL: broken.url });

    const error = await expectRecoveryError(client.createBranch("doomed", { at: t }), "RESTORE_FAILED");
    const [create] = broken.requests.filter((r) => r.method === "POST");
    const createOp = (create?.response as { operations: Array<{ id: string; action: string }> }).operations.find((op) => op.action === "create_branch");
    expect(error.message).toContain(`create_branch operation ${createOp?.id}`);
    expect(error.message).toContain("No space left on device");
    expect(error.details).toMatchObject({ operation: createOp?.id, action: "create_branch", status: "failed" });
    expect(names(await client.listBranches())).not.toContain("doomed");
    expect(names(await self.listBranches())).not.toContain("doomed");
  });

  it("restores main in place to T: same id and connection string, A and the table again; the old state is kept", async () => {
    const from = emulator.requests.length;
    const result = await neon.restoreBranch("main", { at: t, preserveUnderName: "main-before-restore" });
    expect(result.branch).toMatchObject({ id: mainId, name: "main", primary: true, state: "ready" });
    expect(result.branch.restoredFrom?.at.toISOString()).toBe(t.toISOString());
    expect(result.preserved).toMatchObject({ name: "main-before-restore", primary: false, state: "ready" });
    expect(result.preserved.id).toMatch(/^br-/);

    const [restore] = requestsTo("POST", /\/restore$/, from);
    expect(restore?.path).toBe(`/api/v2/projects/${PROJECT}/branches/${mainId}/restore`);
    expect(restore?.body).toEqual({ source_branch_id: mainId, source_timestamp: t.toISOString(), preserve_under_name: "main-before-restore" });

    expect(await neon.connectionString("main")).toBe(mainUrl);
    expect(await values(mainUrl)).toEqual(["A"]);
    expect(await hasTable(mainUrl, "keep_me")).toBe(true);

    // Neon leaves the preserved branch without a compute; the provider starts one to connect.
    const preservedUrl = await neon.connectionString("main-before-restore");
    expect(requestsTo("POST", /\/endpoints$/, from).map((r) => r.body)).toEqual([{ endpoint: { branch_id: result.preserved.id, type: "read_write" } }]);
    expect(preservedUrl).not.toBe(mainUrl);
    expect(await values(preservedUrl)).toEqual(["A", "B"]);
    expect(await hasTable(preservedUrl, "keep_me")).toBe(false);
  });

  it("lists branches with Neon's semantics: the preserved state is the restored branch's parent and took its children", async () => {
    const branches = await neon.listBranches();
    expect(names(branches)).toEqual(["before-disaster", "main", "main-before-restore"]);
    const byName = new Map(branches.map((b) => [b.name, b]));
    const main = byName.get("main");
    expect(main).toMatchObject({ id: mainId, primary: true, parent: "main-before-restore" });
    expect(main?.parentTimestamp?.toISOString()).toBe(t.toISOString());
    expect(main?.restoredFrom).toEqual({ at: t, branch: "main-before-restore" });
    expect(byName.get("main-before-restore")).toMatchObject({ primary: false });
    expect(byName.get("main-before-restore")?.parent).toBeUndefined();
    expect(byName.get("before-disaster")).toMatchObject({ parent: "main-before-restore", primary: false });
    expect(branches.filter((b) => b.primary).map((b) => b.name)).toEqual(["main"]);
    expect(new Set(branches.map((b) => b.id)).size).toBe(branches.length);
    expect(branches.every((b) => /^br-[a-z0-9-]+$/.test(b.id))).toBe(true);

    // The restored main's window is still the retention; a branch's starts at its creation.
    const restoredWindow = await neon.restoreWindow({ branch: "before-disaster" });
    expect(restoredWindow.from.getTime()).toBe(byName.get("before-disaster")?.createdAt.getTime());
  });

  it("deletes branches, and answers conflicts, unknown names and Neon's refusals with codes", async () => {
    // The restored main and the branch it had are children of the preserved state: Neon refuses (the emulator, from its own model).
    const from = emulator.requests.length;
    const refusal = await expectRecoveryError(neon.deleteBranch("main-before-restore"), "BRANCH_HAS_CHILDREN");
    expect(refusal).toBeInstanceOf(BranchHasChildrenError);
    expect(refusal.message).toContain('"main-before-restore"');
    expect(refusal.message).toContain("main,");
    expect(refusal.details?.branch).toBe("main-before-restore");
    expect([...(refusal.details?.children as string[])].sort()).toEqual(["before-disaster", "main"]);
    const refused = requestsTo("DELETE", /\/branches\/br-[a-z0-9-]+$/, from);
    expect(refused.map((r) => r.status)).toEqual([422]);
    expect((refused[0]?.response as { message: string }).message).toContain(mainId);
    expect(names(await neon.listBranches())).toContain("main-before-restore");
    expect(names(await self.listBranches())).toContain("main-before-restore");

    const headDir = join(root, "branches", "before-disaster");
    expect(existsSync(headDir)).toBe(true);
    const beforeDisasterId = (await neon.listBranches()).find((b) => b.name === "before-disaster")?.id;
    await neon.deleteBranch("before-disaster");
    expect(names(await neon.listBranches())).not.toContain("before-disaster");
    expect(names(await self.listBranches())).not.toContain("before-disaster");
    expect(existsSync(headDir)).toBe(false);
    // Its snapshot stays, as on Neon, naming the deleted branch by its id.
    const kept = (await neon.listSnapshots()).find((snap) => snap.id === branchSnapshot?.id);
    expect(kept).toEqual({ ...branchSnapshot, sourceBranch: beforeDisasterId });

    await expectRecoveryError(neon.deleteBranch("before-disaster"), "BRANCH_NOT_FOUND");
    await expectRecoveryError(neon.deleteBranch("main"), "BRANCH_IS_PRIMARY");
    await expectRecoveryError(neon.createBranch("main-before-restore", { at: t }), "BRANCH_EXISTS");
    await expectRecoveryError(neon.createBranch("x", { parent: "nope", at: t }), "BRANCH_NOT_FOUND");
    await expectRecoveryError(neon.createBranch("../escape", { at: t }), "INVALID_BRANCH_NAME");
    await expectRecoveryError(neon.restoreBranch("main", { at: t, preserveUnderName: "main-before-restore" }), "BRANCH_EXISTS");
    await expectRecoveryError(neon.restoreBranch("nope", { at: t, preserveUnderName: "nope-old" }), "BRANCH_NOT_FOUND");
    await expectRecoveryError(neon.connectionString("nope"), "BRANCH_NOT_FOUND");
    expect(names(await neon.listBranches())).toEqual(["main", "main-before-restore"]);
    expect(await values(mainUrl)).toEqual(["A"]);
  });

  it("says clearly when the API key is refused or the API cannot be reached, and changes nothing", async () => {
    const snapshotsBefore = await neon.listSnapshots();
    const existingSnapshot = snapshotsBefore[0]?.id as string;
    const from = emulator.requests.length;
    const wrong = provider({ apiKey: WRONG_KEY });
    const refused = await expectRecoveryError(wrong.listBranches(), "RECOVERY_SETUP");
    expect(refused.message).toMatch(/refused the API key/);
    expect(refused.message).toContain("401");
    expect(refused.message).toContain("NEON_API_KEY");
    await expectRecoveryError(wrong.createBranch("sneaky", { at: t }), "RECOVERY_SETUP");
    await expectRecoveryError(wrong.restoreBranch("main", { at: t, preserveUnderName: "sneaky" }), "RECOVERY_SETUP");
    await expectRecoveryError(wrong.createSnapshot("sneaky"), "RECOVERY_SETUP");
    await expectRecoveryError(wrong.listSnapshots(), "RECOVERY_SETUP");
    await expectRecoveryError(wrong.deleteSnapshot(existingSnapshot), "RECOVERY_SETUP");
    expect(emulator.requests.slice(from).every((r) => r.status === 401)).toBe(true);
    expect(names(await neon.listBranches())).toEqual(["main", "main-before-restore"]);
    expect(await neon.listSnapshots()).toEqual(snapshotsBefore);

    const closedPort = await new Promise<number>((done) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => done(port));
      });
    });
    const unreachable = provider({ baseURL: `http://127.0.0.1:${closedPort}/api/v2` });
    const down = await expectRecoveryError(unreachable.restoreWindow(), "RECOVERY_SETUP");
    expect(down.message).toMatch(/Could not reach the Neon API at http:\/\/127\.0\.0\.1:\d+\/api\/v2/);

    await expectRecoveryError(Promise.resolve().then(() => provider({ apiKey: "" })), "RECOVERY_SETUP");
    await expectRecoveryError(Promise.resolve().then(() => NeonRecoveryProvider.fromEnv({ NEON_PROJECT_ID: PROJECT })), "RECOVERY_SETUP");
  });

  it("never lets the API key into an error, its details, or the provider's printed form", () => {
    expect(seenErrors.length).toBeGreaterThan(15);
    for (const error of seenErrors) {
      const e = error as RecoveryError;
      const printed = [String(e), e.stack ?? "", JSON.stringify(e.details ?? {}), inspect(e, { depth: 5 })].join("\n");
      expect(printed).not.toContain(API_KEY);
      expect(printed).not.toContain(WRONG_KEY);
    }
    expect(inspect(neon, { depth: 10, showHidden: true })).not.toContain(API_KEY);
    expect(JSON.stringify(neon)).not.toContain(API_KEY);
    expect(JSON.stringify(emulator.requests)).not.toContain(API_KEY);
  });
});
