import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApiClient, EndpointType, type Branch, type Operation } from "@neondatabase/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type EmulatorBackend, type NeonEmulator, startNeonEmulator } from "../../src/ops/recovery/neon/index.ts";
import { SelfHostedRecovery } from "../../src/ops/recovery/self-hosted/index.ts";
import {
  BranchAnswer,
  BranchesAnswer,
  BranchSchema,
  BranchOperationsAnswer,
  ConnectionUriAnswer,
  CreatedBranchAnswer,
  CreatedSnapshotAnswer,
  DeletedSnapshotAnswer,
  EndpointOperationsAnswer,
  EndpointsAnswer,
  ErrorAnswer,
  OperationAnswer,
  OperationsAnswer,
  ProjectAnswer,
  SnapshotSchema,
  SnapshotsAnswer,
  type Answer,
  matches,
} from "./recovery-neon/api-schemas.ts";
import { stopPostgresUnder } from "./recovery-neon/processes.ts";
import { FAST, databaseNow, sql } from "./recovery-support.ts";

/**
 * The emulator's answers against Neon's own API description: every answer the Neon provider
 * reads, fetched with @neondatabase/api-client, must parse with zod schemas that tsc holds to the
 * client's generated types (recovery-neon/api-schemas.ts); every refusal is Neon's error shape,
 * one line, never a stack trace, and changes nothing.
 */

const API_KEY = "neon-contract-key-5c8e2a7d";
const PROJECT = "still-brook-24681357";
const RETENTION_SECONDS = 3600;

/** Parses a live answer, failing the test with zod's issues (not just "false") when it does not match. */
function expectShape<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  return parsed.data as z.output<S>;
}

describe("the Neon emulator's answers satisfy @neondatabase/api-client's types", { timeout: 60_000 }, () => {
  let root: string;
  let self: SelfHostedRecovery;
  let emulator: NeonEmulator;
  let broken: NeonEmulator;
  let failListing = false;
  let api: ReturnType<typeof createApiClient>;

  /** A raw request, for what the typed client cannot send. */
  const call = async (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const { key = API_KEY, ...rest } = init;
    const res = await fetch(`${emulator.url}${path}`, { ...rest, headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...rest.headers } });
    const text = await res.text();
    return { status: res.status, requestId: res.headers.get("x-request-id"), body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const branchNames = async () => (await api.listProjectBranches({ projectId: PROJECT })).data.branches.map((b) => b.name).sort();

  /** Polls each operation with GET .../operations/{id}, checking every answer, until it finished. */
  async function finish(operations: Operation[]): Promise<void> {
    for (const op of operations) {
      for (let status = op.status as string; status !== "finished"; ) {
        expect(status).toBe("running");
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = expectShape(OperationAnswer, (await api.getProjectOperation(PROJECT, op.id)).data).operation.status;
      }
    }
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "neon-contract-test-"));
    chmodSync(root, 0o755); // the servers run as the postgres user, which must enter it
    self = new SelfHostedRecovery({ stateDir: root, settings: FAST, archiveTimeoutSeconds: 1, durable: false });
    await self.initPrimary({ walSegmentSizeMb: 1 });
    emulator = await startNeonEmulator({ provider: self, apiKey: API_KEY, projectId: PROJECT, historyRetentionSeconds: RETENTION_SECONDS, operationDelayMs: 50 });
    const failing: EmulatorBackend = {
      kind: "self-hosted",
      listBranches: async () => {
        if (failListing) throw new Error("could not read the branch registry:\n  disk I/O error");
        return self.listBranches();
      },
      restoreWindow: (options) => self.restoreWindow(options),
      connectionString: (branch, options) => self.connectionString(branch, options),
      createBranch: (name, options) => self.createBranch(name, options),
      restoreBranch: (branch, options) => self.restoreBranch(branch, options),
      deleteBranch: (name) => self.deleteBranch(name),
    };
    broken = await startNeonEmulator({ provider: failing, apiKey: API_KEY, projectId: PROJECT, operationDelayMs: 50 });
    api = createApiClient({ apiKey: API_KEY, baseURL: emulator.url });
  }, 120_000);

  afterAll(async () => {
    await broken?.close().catch(() => {});
    await emulator?.close().catch(() => {});
    await self?.stopAll().catch(() => {});
    if (root) {
      stopPostgresUnder(root);
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  it("takes a snapshot of the head of a new project, before there is any history to restore a moment from", async () => {
    await expect(self.restoreWindow()).rejects.toMatchObject({ code: "NO_RESTORE_WINDOW" });
    const mainId = (await api.listProjectBranches({ projectId: PROJECT })).data.branches[0]?.id as string;
    const head = expectShape(CreatedSnapshotAnswer, (await api.createSnapshot({ projectId: PROJECT, branchId: mainId, name: "first" })).data);
    await finish(head.operations);
    expect(expectShape(SnapshotsAnswer, (await api.listSnapshots(PROJECT)).data).snapshots).toEqual([head.snapshot]);
    await finish(expectShape(DeletedSnapshotAnswer, (await api.deleteSnapshot(PROJECT, head.snapshot.id)).data).operations);
    expect((await api.listSnapshots(PROJECT)).data.snapshots).toEqual([]);
  });

  it("answers the project, branches, endpoints, operations and connection URIs in the client's shapes", async () => {
    const { project } = expectShape(ProjectAnswer, (await api.getProject(PROJECT)).data);
    expect(project).toMatchObject({ id: PROJECT, history_retention_seconds: RETENTION_SECONDS });

    const listed = expectShape(BranchesAnswer, (await api.listProjectBranches({ projectId: PROJECT })).data);
    expect(listed.branches.map((b) => ({ name: b.name, default: b.default }))).toEqual([{ name: "main", default: true }]);
    const mainId = listed.branches[0]?.id as string;

    const created = expectShape(
      CreatedBranchAnswer,
      (await api.createProjectBranch(PROJECT, { branch: { name: "contract", parent_id: mainId }, endpoints: [{ type: EndpointType.ReadWrite }] })).data,
    );
    expect(created.branch).toMatchObject({ name: "contract", parent_id: mainId, current_state: "init", pending_state: "ready" });
    expect(created.endpoints.map((e) => e.branch_id)).toEqual([created.branch.id]);
    expect(created.operations.map((op) => op.action).sort()).toEqual(["create_branch", "start_compute"]);
    await finish(created.operations);

    const page = expectShape(BranchesAnswer, (await api.listProjectBranches({ projectId: PROJECT, limit: 1, sort_by: "created_at", sort_order: "asc" })).data);
    expect(page.branches.map((b) => b.name)).toEqual(["main"]);
    expect(page.pagination).toMatchObject({ sort_by: "created_at", sort_order: "asc", next: expect.any(String) });
    const next = expectShape(BranchesAnswer, (await api.listProjectBranches({ projectId: PROJECT, limit: 1, sort_by: "created_at", sort_order: "asc", cursor: page.pagination?.next as string })).data);
    expect(next.branches.map((b) => b.name)).toEqual(["contract"]);
    expect(next.pagination?.next).toBeUndefined();

    const one = expectShape(BranchAnswer, (await api.getProjectBranch(PROJECT, created.branch.id)).data);
    expect(one.branch).toMatchObject({ id: created.branch.id, current_state: "ready" });
    expect(one.branch.pending_state).toBeUndefined();

    const ofBranch = expectShape(EndpointsAnswer, (await api.listProjectBranchEndpoints(PROJECT, created.branch.id)).data);
    expect(ofBranch.endpoints).toEqual([expect.objectContaining({ id: created.endpoints[0]?.id, current_state: "active" })]);
    const all = expectShape(EndpointsAnswer, (await api.listProjectEndpoints(PROJECT)).data);
    expect(all.endpoints.map((e) => e.branch_id).sort()).toEqual([mainId, created.branch.id].sort());

    const operations = expectShape(OperationsAnswer, (await api.listProjectOperations({ projectId: PROJECT })).data);
    expect(operations.operations.map((op) => op.id)).toEqual(expect.arrayContaining(created.operations.map((op) => op.id)));
    expect(operations.operations.map((op) => op.action).sort()).toEqual(["create_branch", "create_timeline", "delete_timeline", "start_compute"]); // with the first test's snapshot
    expect(operations.operations.every((op) => op.status === "finished")).toBe(true);

    const uri = expectShape(
      ConnectionUriAnswer,
      (await api.getConnectionUri({ projectId: PROJECT, branch_id: created.branch.id, database_name: "postgres", role_name: "postgres", pooled: true })).data,
    );
    expect((await sql<{ one: number }>(uri.uri, "SELECT 1 AS one"))[0]?.one).toBe(1);

    // Neon's body is optional: none (even one typed as JSON) branches the default branch, named by its id, without a compute.
    const bare = await call(`/projects/${PROJECT}/branches`, { method: "POST", headers: { "content-type": "application/json" } });
    expect(bare.status).toBe(201);
    const unnamed = expectShape(CreatedBranchAnswer, bare.body);
    expect(unnamed.branch).toMatchObject({ name: unnamed.branch.id, parent_id: mainId });
    expect(unnamed.endpoints).toEqual([]);
    await finish(unnamed.operations);
    await finish((await api.deleteProjectBranch({ projectId: PROJECT, branchId: unnamed.branch.id })).data.operations);
    expect(await branchNames()).toEqual(["contract", "main"]);
  });

  it("answers a restore, a new compute and deletes in the client's shapes, and refuses a branch with children", async () => {
    const mainUrl = await self.connectionString("main");
    await sql(mainUrl, "CREATE TABLE IF NOT EXISTS marks (v int)");
    await self.archiveCurrentWal();
    const at = await databaseNow(mainUrl);
    const mainId = (await api.listProjectBranches({ projectId: PROJECT })).data.branches.find((b) => b.name === "main")?.id as string;

    const restored = expectShape(
      BranchOperationsAnswer,
      (await api.restoreProjectBranch(PROJECT, mainId, { source_branch_id: mainId, source_timestamp: at.toISOString(), preserve_under_name: "main-old" })).data,
    );
    expect(restored.branch).toMatchObject({ id: mainId, current_state: "resetting" });
    expect(restored.operations.map((op) => op.action)).toContain("create_timeline");
    await finish(restored.operations);

    const branches = expectShape(BranchesAnswer, (await api.listProjectBranches({ projectId: PROJECT })).data).branches;
    const preserved = branches.find((b) => b.name === "main-old");
    const main = branches.find((b) => b.id === mainId);
    expect(main).toMatchObject({ parent_id: preserved?.id, last_reset_at: expect.any(String) });

    // The preserved state has no compute until one is asked for, as on Neon.
    expect((await api.listProjectBranchEndpoints(PROJECT, preserved?.id as string)).data.endpoints).toEqual([]);
    const compute = expectShape(
      EndpointOperationsAnswer,
      (await api.createProjectEndpoint(PROJECT, { endpoint: { branch_id: preserved?.id as string, type: EndpointType.ReadWrite } })).data,
    );
    expect(compute.endpoint).toMatchObject({ branch_id: preserved?.id, type: "read_write", current_state: "init" });
    await finish(compute.operations);

    // main-old is now the parent of main and of the branch main had: Neon refuses to delete it.
    const refusal = await call(`/projects/${PROJECT}/branches/${preserved?.id}`, { method: "DELETE" });
    expect(refusal.status).toBe(422);
    const error = expectShape(ErrorAnswer, refusal.body);
    expect(error.code).toBe("BRANCH_HAS_CHILDREN");
    expect(error.message).toContain(mainId);
    expect(error.message).toContain("(contract)");
    expect(await branchNames()).toEqual(["contract", "main", "main-old"]);

    const contractId = branches.find((b) => b.name === "contract")?.id as string;
    const deleted = expectShape(BranchOperationsAnswer, (await api.deleteProjectBranch({ projectId: PROJECT, branchId: contractId })).data);
    expect(deleted.operations.map((op) => op.action)).toEqual(["suspend_compute", "delete_timeline"]);
    await finish(deleted.operations);
    expect(await branchNames()).toEqual(["main", "main-old"]);
    expect((await self.listBranches()).map((b) => b.name).sort()).toEqual(["main", "main-old"]);

    // Gone already: 204 and no body, as Neon.
    expect(await call(`/projects/${PROJECT}/branches/${contractId}`, { method: "DELETE" })).toMatchObject({ status: 204, body: undefined });
  });

  it("takes, lists and deletes snapshots in the client's shapes, only of moments in the branch's history, and keeps them across a restart", async () => {
    const mainId = (await api.listProjectBranches({ projectId: PROJECT })).data.branches.find((b) => b.name === "main")?.id as string;
    const mainUrl = await self.connectionString("main");
    await sql(mainUrl, "INSERT INTO marks VALUES (1)");
    await self.archiveCurrentWal();
    const past = await databaseNow(mainUrl);
    const snapshotNames = async () => expectShape(SnapshotsAnswer, (await api.listSnapshots(PROJECT)).data).snapshots.map((snap) => snap.name);
    const from = emulator.requests.length;

    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const startedAt = Date.now();
    const nightly = expectShape(CreatedSnapshotAnswer, (await api.createSnapshot({ projectId: PROJECT, branchId: mainId, name: "nightly", expires_at: expiresAt })).data);
    expect(nightly.snapshot).toMatchObject({ name: "nightly", source_branch_id: mainId, expires_at: expiresAt, manual: true });
    expect(nightly.snapshot.id).toMatch(/^snap-[a-z0-9-]+$/);
    // Without a timestamp it holds the branch as it is now.
    expect(Date.parse(nightly.snapshot.timestamp as string)).toBeGreaterThanOrEqual(startedAt);
    expect(nightly.operations.map((op) => op.action)).toEqual(["create_timeline"]);
    await finish(nightly.operations);

    const before = expectShape(CreatedSnapshotAnswer, (await api.createSnapshot({ projectId: PROJECT, branchId: mainId, name: "before", timestamp: past.toISOString() })).data);
    expect(before.snapshot).toMatchObject({ name: "before", source_branch_id: mainId, timestamp: past.toISOString() });
    expect(before.snapshot.expires_at).toBeUndefined();
    await finish(before.operations);

    // Neon's parameters travel in the query string; the client sends no body.
    const posts = emulator.requests.slice(from).filter((r) => r.method === "POST");
    expect(posts.map((r) => [r.path, r.query, r.body])).toEqual([
      [`/api/v2/projects/${PROJECT}/branches/${mainId}/snapshot`, { name: "nightly", expires_at: expiresAt }, undefined],
      [`/api/v2/projects/${PROJECT}/branches/${mainId}/snapshot`, { name: "before", timestamp: past.toISOString() }, undefined],
    ]);

    // No name: named by its id, as branches are.
    const unnamed = expectShape(CreatedSnapshotAnswer, (await api.createSnapshot({ projectId: PROJECT, branchId: mainId })).data);
    expect(unnamed.snapshot.name).toBe(unnamed.snapshot.id);
    await finish(unnamed.operations);

    // Newest first, as Neon lists them.
    expect(await snapshotNames()).toEqual([unnamed.snapshot.id, "before", "nightly"]);

    // Refusals: Neon's error shape, and no snapshot taken.
    const listed = await snapshotNames();
    const snap = `/projects/${PROJECT}/branches/${mainId}/snapshot`;
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const refusals: Array<[string, string, number, RegExp]> = [
      ["POST", `${snap}?timestamp=2020-01-01T00:00:00Z`, 400, /timestamp .*history retention/],
      ["POST", `${snap}?timestamp=${soon}`, 400, /timestamp .*future/],
      ["POST", `${snap}?timestamp=yesterday`, 400, /timestamp/],
      ["POST", `${snap}?lsn=0/16B6C50`, 400, /lsn/],
      ["POST", `${snap}?lsn=0/16B6C50&timestamp=${past.toISOString()}`, 400, /lsn cannot be used with timestamp/],
      ["POST", `${snap}?expires_at=2020-01-01T00:00:00Z`, 400, /expires_at .*passed/],
      ["POST", `${snap}?name=`, 400, /name/],
      ["POST", `/projects/${PROJECT}/branches/br-no-such-branch-00000000/snapshot`, 404, /branch not found/],
      ["DELETE", `/projects/${PROJECT}/snapshots/snap-no-such-snapshot-0000`, 404, /snapshot not found/],
      ["DELETE", `/projects/${PROJECT}/snapshots/NOT_AN_ID`, 400, /snapshot_id/],
      ["GET", `/projects/${PROJECT}/snapshots`, 401, /authentication required/],
    ];
    for (const [method, path, status, message] of refusals) {
      const answer = await call(path, { method, ...(status === 401 && { key: null }) });
      const label = `${method} ${path}`;
      expect({ label, status: answer.status }).toEqual({ label, status });
      expect(expectShape(ErrorAnswer, answer.body).message, label).toMatch(message);
    }
    expect(await snapshotNames()).toEqual(listed);

    const deleted = expectShape(DeletedSnapshotAnswer, (await api.deleteSnapshot(PROJECT, unnamed.snapshot.id)).data);
    expect(deleted.operations.map((op) => op.action)).toEqual(["delete_timeline"]);
    await finish(deleted.operations);
    expect(await snapshotNames()).toEqual(["before", "nightly"]);
    expect((await call(`/projects/${PROJECT}/snapshots/${unnamed.snapshot.id}`, { method: "DELETE" })).status).toBe(404);

    // Kept in the state file: a restarted emulator lists the same snapshots, ids and all.
    const stateFile = join(root, "emulator-state.json");
    const first = await startNeonEmulator({ provider: self, apiKey: API_KEY, projectId: PROJECT, operationDelayMs: 20, stateFile });
    const viaFirst = createApiClient({ apiKey: API_KEY, baseURL: first.url });
    const firstMain = (await viaFirst.listProjectBranches({ projectId: PROJECT })).data.branches.find((b) => b.default)?.id as string;
    const kept = (await viaFirst.createSnapshot({ projectId: PROJECT, branchId: firstMain, name: "kept", timestamp: past.toISOString(), expires_at: expiresAt })).data;
    await first.close();
    const second = await startNeonEmulator({ provider: self, apiKey: API_KEY, projectId: PROJECT, operationDelayMs: 20, stateFile });
    try {
      const again = expectShape(SnapshotsAnswer, (await createApiClient({ apiKey: API_KEY, baseURL: second.url }).listSnapshots(PROJECT)).data);
      expect(again.snapshots).toEqual([kept.snapshot]);
    } finally {
      await second.close();
    }
  });

  it("lets a snapshot vanish once its expires_at has passed", async () => {
    const mainId = (await api.listProjectBranches({ projectId: PROJECT })).data.branches.find((b) => b.name === "main")?.id as string;
    const expiresAt = new Date(Date.now() + 1_500);
    const fleeting = (await api.createSnapshot({ projectId: PROJECT, branchId: mainId, name: "fleeting", expires_at: expiresAt.toISOString() })).data;
    await finish(fleeting.operations);
    const ids = async () => expectShape(SnapshotsAnswer, (await api.listSnapshots(PROJECT)).data).snapshots.map((snap) => snap.id);
    expect(await ids()).toContain(fleeting.snapshot.id);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now()) + 50));
    expect(await ids()).not.toContain(fleeting.snapshot.id);
    expect((await call(`/projects/${PROJECT}/snapshots/${fleeting.snapshot.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("has schemas that refuse what the client's types forbid (the check above can fail)", async () => {
    const { data } = await api.listProjectBranches({ projectId: PROJECT });
    expect(BranchesAnswer.safeParse(data).success).toBe(true);
    const [first] = data.branches;
    const variants: unknown[] = [
      { ...data, branches: [{ ...first, default: undefined }] }, // a required field missing
      { ...data, branches: [{ ...first, created_at: 1_700_000_000 }] }, // a field of another type
      { ...data, branches: [{ ...first, pending_stat: "ready" }] }, // a field the client does not know
      { branches: data.branches }, // the annotations map missing
    ];
    for (const variant of variants) expect(BranchesAnswer.safeParse(variant).success).toBe(false);
    // The compile-time half can fail too: a schema without a field the client requires would let an
    // answer without it through, and does not compile.
    // @ts-expect-error Branch requires `default`
    const withoutDefault = matches<Branch>()(BranchSchema.omit({ default: true }));
    const { default: _default, ...answerWithoutDefault } = first as Branch;
    expect(withoutDefault.safeParse(answerWithoutDefault).success).toBe(true);
    const { data: ops } = await api.listProjectOperations({ projectId: PROJECT });
    expect(OperationsAnswer.safeParse({ ...ops, operations: [{ ...ops.operations[0], status: "done" }] }).success).toBe(false);
    expect(OperationsAnswer.safeParse({ ...ops, pagination: {} }).success).toBe(false);

    const { data: snapshots } = await api.listSnapshots(PROJECT);
    const [snapshot] = snapshots.snapshots;
    expect(SnapshotsAnswer.safeParse(snapshots).success).toBe(true);
    const { created_at: _created, ...withoutCreated } = snapshot as z.output<typeof SnapshotSchema>;
    for (const variant of [{ snapshots: [withoutCreated] }, { snapshots: [{ ...snapshot, manual: "yes" }] }, { snapshots: [{ ...snapshot, expires: "never" }] }, {}]) {
      expect(SnapshotsAnswer.safeParse(variant).success).toBe(false);
    }
    // @ts-expect-error the client's Snapshot requires created_at
    const lax = matches<Answer<"listSnapshots">>()(z.strictObject({ snapshots: z.array(SnapshotSchema.omit({ created_at: true })) }));
    expect(lax.safeParse({ snapshots: [withoutCreated] }).success).toBe(true);
  });

  it("refuses bad requests with Neon's error shape, one line, no stack trace, and changes nothing", async () => {
    const before = await branchNames();
    const mainId = (await api.listProjectBranches({ projectId: PROJECT })).data.branches.find((b) => b.name === "main")?.id as string;
    const p = `/projects/${PROJECT}`;
    const cases: Array<[string, RequestInit & { key?: string | null }, number, RegExp]> = [
      [`${p}/branches`, json({ branch: { name: "x", parent_timestamp: "yesterday" } }), 400, /parent_timestamp/],
      [`${p}/branches`, json({ branch: { name: 42 } }), 400, /branch\.name/],
      [`${p}/branches`, json({ endpoints: [{ type: "read_sometimes" }] }), 400, /endpoints\.0\.type/],
      [`${p}/branches`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }, 400, /JSON/i],
      [`${p}/branches`, { method: "POST", headers: { "content-type": "text/plain" }, body: "branch" }, 415, /media type/i],
      [`${p}/branches`, json({ branch: { name: "big", note: "x".repeat(1024 * 1024) } }), 400, /too large/],
      [`${p}/branches?limit=0`, {}, 400, /limit/],
      [`${p}/branches?sort_by=size`, {}, 400, /sort_by/],
      [`${p}/branches?cursor=${Buffer.from("nope").toString("base64url")}`, {}, 400, /cursor/],
      [`${p}/branches/NOT_AN_ID`, {}, 400, /branch_id/],
      [`${p}/branches/${mainId}/restore`, json({}), 400, /source_branch_id/],
      [`${p}/branches/${mainId}/restore`, json({ source_branch_id: mainId, source_timestamp: "2020-01-01T00:00:00Z", preserve_under_name: "old" }), 400, /history retention/],
      [`${p}/endpoints`, json({ endpoint: { branch_id: mainId } }), 400, /endpoint\.type/],
      [`${p}/connection_uri?role_name=postgres`, {}, 400, /database_name/],
      [`${p}/connection_uri?database_name=postgres&role_name=postgres&pooled=yes`, {}, 400, /pooled/],
      [`${p}/operations/not-a-uuid`, {}, 400, /operation_id/],
      [`${p}/operations/6f0c8a3e-2d4b-4c1a-9e7f-1a2b3c4d5e6f`, {}, 404, /operation not found/],
      [`${p}/branches/br-no-such-branch-00000000`, {}, 404, /branch not found/],
      [`${p}/branches/${mainId}`, { method: "DELETE" }, 400, /default branch/],
      ["/projects/some-other-project/branches", {}, 404, /project not found/],
      [`${p}/branches/${mainId}/roles`, {}, 404, /not part of the emulated Neon API/],
      [`${p}/branches`, { key: null }, 401, /authentication required/],
      [`${p}/branches`, { key: "neon-wrong-key-00000000" }, 401, /not valid/],
    ];
    for (const [path, init, status, message] of cases) {
      const answer = await call(path, init);
      const label = `${init.method ?? "GET"} ${path.slice(0, 80)}`;
      expect({ label, status: answer.status }).toEqual({ label, status });
      const error = expectShape(ErrorAnswer, answer.body);
      expect(error.message, label).toMatch(message);
      expect(answer.requestId, label).toBe(error.request_id);
    }
    const echoed = await call(`${p}/branches?limit=0`, { headers: { "x-request-id": "client-chosen-id-1" } });
    expect(expectShape(ErrorAnswer, echoed.body).request_id).toBe("client-chosen-id-1");
    expect(await branchNames()).toEqual(before);
  });

  it("answers a backend failure as a one-line 500, without a stack trace", async () => {
    failListing = true;
    try {
      const res = await fetch(`${broken.url}/projects/${PROJECT}/branches`, { headers: { authorization: `Bearer ${API_KEY}` } });
      expect(res.status).toBe(500);
      const error = expectShape(ErrorAnswer, await res.json());
      expect(error).toMatchObject({ code: "INTERNAL", message: "could not read the branch registry: disk I/O error" });
    } finally {
      failListing = false;
    }
    expect((await fetch(`${broken.url}/projects/${PROJECT}/branches`, { headers: { authorization: `Bearer ${API_KEY}` } })).status).toBe(200);
  });
});
