import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { createDb, type Db } from "../../src/db/client.ts";
import { loadEnv } from "../../src/env.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { deployMigrations } from "../../src/ops/migrations/deploy.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { startNeonEmulator, type NeonEmulator } from "../../src/ops/recovery/neon/index.ts";
import { recoveryProvider } from "../../src/ops/recovery/factory.ts";
import { SelfHostedRecovery } from "../../src/ops/recovery/self-hosted/index.ts";
import { connect } from "../../src/ops/sql.ts";
import { runDbctl } from "../cli/run-dbctl.ts";
import { stopPostgresUnder } from "./recovery-neon/processes.ts";
import { FAST, sql } from "./recovery-support.ts";

/**
 * The disaster recovery plan end to end, as an operator runs it: the API writes data A, time T
 * passes, it writes data B, then a table is dropped (the disaster). `dbctl recovery branch --at T`
 * holds A, not B, and the table; `verify` passes; `promote` makes the running API serve A; the
 * replaced state stays reachable under its preserved name; a drill passes. Once through the
 * self-hosted provider, once through the Neon code path (Neon's API client over HTTP to the
 * emulator, backed by the self-hosted implementation), always on real PostgreSQL.
 */

const API_KEY = "neon-e2e-key-4b7d1f9a";
const PROJECT = "calm-river-87654321";

const roots: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  for (const root of roots) {
    stopPostgresUnder(root);
    rmSync(root, { recursive: true, force: true });
  }
});

const projectNames = async (url: string) => (await sql<{ name: string }>(url, `SELECT name FROM "Project" ORDER BY name`)).map((r) => r.name);
const hasNoteTable = async (url: string) => (await sql<{ t: string | null }>(url, `SELECT to_regclass('"Note"')::text AS t`))[0]?.t != null;

/** A primary with archiving, the app's schema in database "app", and the API running on it. */
async function setUp() {
  const root = mkdtempSync(join(tmpdir(), "recovery-e2e-"));
  chmodSync(root, 0o755);
  roots.push(root);
  const self = new SelfHostedRecovery({ stateDir: root, settings: FAST, archiveTimeoutSeconds: 1, durable: false, database: "app" });
  await self.initPrimary({ walSegmentSizeMb: 1 });
  await sql(await self.connectionString("main", { database: "postgres" }), `CREATE DATABASE app`);
  const appUrl = await self.connectionString("main");
  const conn = await connect(appUrl);
  await deployMigrations(conn, readMigrations("prisma/migrations"));
  await conn.close();
  await self.ensureBaseBackup();

  const db: Db = createDb(PrismaClient, { url: appUrl, connectTimeoutMs: 2_000 });
  cleanups.push(() => db.$disconnect());
  const app = createApp({ config: loadEnv({ APP_ENV: "test", DATABASE_URL: appUrl, PBKDF2_ITERATIONS: "10000" }), db: () => db });
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { root, self, appUrl, call };
}

describe.each(["self-hosted", "neon"] as const)("disaster recovery through dbctl and the API (%s)", { timeout: 180_000 }, (mode) => {
  it("branch at T holds A, promote makes the API serve A, the replaced state stays reachable, a drill passes", async () => {
    const { root, self, appUrl, call } = await setUp();
    let env: Record<string, string> = { DIRECT_URL: appUrl, RECOVERY_DIR: root };
    if (mode === "neon") {
      const emulator: NeonEmulator = await startNeonEmulator({ provider: self, apiKey: API_KEY, projectId: PROJECT, historyRetentionSeconds: 3600, operationDelayMs: 100 });
      cleanups.push(() => emulator.close());
      env = { DIRECT_URL: appUrl, NEON_API_KEY: API_KEY, NEON_PROJECT_ID: PROJECT, NEON_API_URL: emulator.url, NEON_DATABASE: "app", NEON_ROLE: "postgres" };
    }

    // Data A, through the API; T; data B; the disaster.
    const signup = await call("POST", "/api/v1/auth/signup", undefined, { email: "ops@example.com", password: "password-123" });
    expect(signup.status).toBe(201);
    const token = signup.body.token as string;
    expect((await call("POST", "/api/v1/projects", token, { name: "A" })).status).toBe(201);
    await sql(appUrl, "SELECT pg_sleep(0.02)");
    const t = (await sql<{ now: Date }>(appUrl, "SELECT now()"))[0]!.now;
    await sql(appUrl, "SELECT pg_sleep(0.02)");
    expect((await call("POST", "/api/v1/projects", token, { name: "B" })).status).toBe(201);
    await sql(appUrl, `DROP TABLE "Note"`);
    expect((await call("GET", "/api/v1/notes", token)).status).toBe(500);

    const window = await runDbctl(["recovery", "window", "--json"], env);
    expect(window.code, window.stderr).toBe(0);
    const { window: span, provider } = JSON.parse(window.stdout);
    expect(provider).toBe(mode);
    expect(new Date(span.from).getTime()).toBeLessThanOrEqual(t.getTime());

    const branch = await runDbctl(["recovery", "branch", "--at", t.toISOString(), "--name", "inspect", "--json"], env);
    expect(branch.code, branch.stderr).toBe(0);
    expect(branch.stdout).not.toContain("postgres:postgres@");
    const inspectUrl = await self.connectionString("inspect");
    expect(await projectNames(inspectUrl)).toEqual(["A"]);
    expect(await hasNoteTable(inspectUrl)).toBe(true);

    const verify = await runDbctl(["recovery", "verify", "--branch", "inspect", "--json"], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.healthy).toBe(true);
    expect(report.differences).toEqual(expect.arrayContaining([{ table: "Project", live: 2, branch: 1 }, expect.objectContaining({ table: "Note", live: null })]));

    // Promote refuses while the API still takes writes (they would be lost in the swap), changing nothing.
    const whileWriting = await runDbctl(["recovery", "promote", "--branch", "inspect", "--yes", "--json"], env);
    expect(whileWriting.code).toBe(1);
    expect(JSON.parse(whileWriting.stdout).error.code).toBe("MAINTENANCE_OFF");
    expect(whileWriting.stderr).toMatch(/maintenance is off.*--force/);
    expect(await projectNames(appUrl)).toEqual(["A", "B"]);
    expect(await hasNoteTable(appUrl)).toBe(false);

    expect((await runDbctl(["maintenance", "on", "--message", "Restoring"], env)).code).toBe(0);
    const unconfirmed = await runDbctl(["recovery", "promote", "--branch", "inspect"], env);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain("--yes");
    expect(await projectNames(appUrl)).toEqual(["A", "B"]);

    // A branch others were made from cannot be deleted (as on Neon); the refusal changes nothing.
    // (dbctl makes branches of the primary only: the child is made through the same provider dbctl uses.)
    const sameProvider = await recoveryProvider({ env, directUrl: appUrl, cwd: process.cwd() });
    await sameProvider.createBranch("child-of-inspect", { parent: "inspect" });
    const parentDelete = await runDbctl(["recovery", "delete", "--branch", "inspect", "--json"], env);
    expect(parentDelete.code).toBe(1);
    expect(JSON.parse(parentDelete.stdout).error.code).toBe("BRANCH_HAS_CHILDREN");
    expect(await projectNames(inspectUrl)).toEqual(["A"]);
    expect((await runDbctl(["recovery", "delete", "--branch", "child-of-inspect"], env)).code).toBe(0);

    const promote = await runDbctl(["recovery", "promote", "--branch", "inspect", "--yes", "--preserve-as", "after-disaster"], env);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    expect((await runDbctl(["maintenance", "off"], env)).code).toBe(0);

    // The running API, same DATABASE_URL, now serves A (its pool reconnects after the swap).
    await expect
      .poll(async () => {
        const res = await call("GET", "/api/v1/projects", token);
        return res.status === 200 ? res.body.items.map((p: { name: string }) => p.name) : res.status;
      }, { timeout: 30_000, interval: 250 })
      .toEqual(["A"]);
    expect((await call("GET", "/api/v1/notes", token)).status).toBe(200);

    // What the disaster left is still there, under its preserved name.
    const preservedUrl = await self.connectionString("after-disaster");
    expect(await projectNames(preservedUrl)).toEqual(["A", "B"]);
    expect(await hasNoteTable(preservedUrl)).toBe(false);

    expect((await runDbctl(["recovery", "delete", "--branch", "inspect"], env)).code).toBe(0);
    const drill = await runDbctl(["recovery", "drill", "--minutes", "0", "--json"], env);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
    expect(JSON.parse(drill.stdout)).toMatchObject({ ok: true, deleted: true });
    const after = JSON.parse((await runDbctl(["recovery", "window", "--json"], env)).stdout);
    expect(after.branches.map((b: { name: string }) => b.name).sort()).toEqual(["after-disaster", "main"]);

    // Everything here is inside the retention window: prune keeps every base backup and the
    // window (only WAL from before the first base backup, which no restore reads, may go).
    const prune = await runDbctl(["recovery", "prune", "--json"], env);
    expect(prune.code, prune.stderr).toBe(0);
    const pruned = JSON.parse(prune.stdout);
    if (mode === "self-hosted") {
      expect(pruned).toMatchObject({ dryRun: false, baseBackups: { count: 0 }, historyFiles: { count: 0 } });
      expect(pruned.windowAfter.from).toBe(after.window.from);
      expect((await runDbctl(["recovery", "drill", "--minutes", "0"], env)).code).toBe(0);
    } else {
      expect(pruned).toMatchObject({ provider: "neon", pruned: false });
    }
  });
});
