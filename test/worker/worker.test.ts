import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";

/**
 * The Worker as Cloudflare would run it: wrangler bundles src/worker.ts exactly as `wrangler
 * deploy` does, and workerd (through Miniflare) runs the bundle against the test's PostgreSQL,
 * reached over Workers' TCP sockets.
 */
let outdir: string;
const workers: Miniflare[] = [];

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "worker-bundle-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
    stdio: "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((mf) => mf.dispose()));
  rmSync(outdir, { recursive: true, force: true });
});

function startWorker(bindings: Record<string, string>, ratelimits?: Record<string, { simple: { limit: number; period: 60 } }>) {
  const mf = new Miniflare({
    ...(ratelimits && { ratelimits }),
    modules: true,
    scriptPath: join(outdir, "worker.js"),
    modulesRoot: outdir,
    modulesRules: [
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "ESModule", include: ["**/*.js"] },
    ],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    bindings: { APP_ENV: "test", PBKDF2_ITERATIONS: "10000", ...bindings },
  });
  workers.push(mf);
  const call = async (path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await mf.dispatchFetch(`http://worker.test${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  return Object.assign(call, { mf });
}

describe("the Worker in workerd", () => {
  it("serves the API end to end on a real database", async () => {
    const { url } = await createTestDatabase();
    const call = startWorker({ DATABASE_URL: url });

    expect(await call("/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect((await call("/health/ready")).body).toMatchObject({ status: "ok", database: "up" });

    const signup = await call("/api/v1/auth/signup", { method: "POST", body: { email: "edge@example.com", password: "password-123" } });
    expect(signup.status).toBe(201);
    const token = signup.body.token as string;

    const project = await call("/api/v1/projects", { method: "POST", token, body: { name: "On the edge" } });
    expect(project.status).toBe(201);
    const note = await call("/api/v1/notes", { method: "POST", token, body: { title: "from workerd", projectId: project.body.id } });
    expect(note.status).toBe(201);

    const list = await call("/api/v1/notes", { token });
    expect(list.body.items).toEqual([expect.objectContaining({ title: "from workerd", project: { id: project.body.id, name: "On the edge" } })]);

    expect((await call(`/api/v1/notes/${note.body.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await call("/api/v1/notes/trash", { token })).body.items).toHaveLength(1);
    expect((await call("/api/v1/auth/logout", { method: "POST", token })).status).toBe(204);
    expect((await call("/api/v1/auth/me", { token })).status).toBe(401);

    // Each API request's metric is written after its response (waitUntil), before its client closes.
    const sql = await openConnection(url);
    const recorded = async () => (await sql.query<{ r: string }>(`SELECT concat_ws(' ', method, route, status) AS r FROM "PerformanceMetric" ORDER BY 1`)).rows.map((row) => row.r);
    await vi.waitFor(async () => expect(await recorded()).toHaveLength(8), { timeout: 10_000, interval: 100 });
    expect(await recorded()).toEqual(
      [
        "POST /api/v1/auth/signup 201",
        "POST /api/v1/projects 201",
        "POST /api/v1/notes 201",
        "GET /api/v1/notes 200",
        "DELETE /api/v1/notes/:id 204",
        "GET /api/v1/notes/trash 200",
        "POST /api/v1/auth/logout 204",
        "GET /api/v1/auth/me 401",
      ].sort(),
    );
  });

  it("limits logins through Cloudflare's Rate Limiting binding, and refuses an oversized body with 413 JSON", async () => {
    const { url } = await createTestDatabase();
    const call = startWorker({ DATABASE_URL: url, MAX_BODY_BYTES: "2048" }, {
      AUTH_ACCOUNT_LIMITER: { simple: { limit: 2, period: 60 } },
      AUTH_ADDRESS_LIMITER: { simple: { limit: 100, period: 60 } },
    });
    const signup = await call("/api/v1/auth/signup", { method: "POST", body: { email: "limited@example.com", password: "password-123" } });
    expect(signup.status).toBe(201);
    const attempt = () => call("/api/v1/auth/login", { method: "POST", body: { email: "limited@example.com", password: "wrong-password" }, headers: { "cf-connecting-ip": "198.51.100.4" } });
    const statuses = [(await attempt()).status, (await attempt()).status];
    expect(statuses).toEqual([401, 401]);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.headers.get("retry-after")).toBe("60");

    const big = await call("/api/v1/auth/signup", { method: "POST", body: { email: "big@example.com", password: "x".repeat(4_000) } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 503 JSON when its database is unreachable", async () => {
    const call = startWorker({ DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${await freePort()}/none`, DB_CONNECT_TIMEOUT_MS: "1000" });
    const ready = await call("/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe("DATABASE_UNAVAILABLE");
    const notes = await call("/api/v1/notes", { token: "A".repeat(43) });
    expect(notes.status).toBe(503);
  });

  it("refuses to run without DATABASE_URL, saying so", async () => {
    const call = startWorker({});
    const res = await call("/api/v1/notes");
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: "MISCONFIGURED", message: expect.stringContaining("DATABASE_URL") });
  });

  it("runs the jobs of a cron trigger: retention's cron deletes an expired session and records a schedule run; a job it cannot run is passed over", async () => {
    const { url } = await createTestDatabase();
    const sql = await openConnection(url);
    await sql.query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('u1', 'cron@example.com', 'x', now())`);
    await sql.query(`INSERT INTO "Session" (id, "userId", "tokenHash", "expiresAt") VALUES ('gone', 'u1', 'a', now() - interval '1 hour'), ('kept', 'u1', 'b', now() + interval '1 hour')`);
    // pitr-check needs a recovery provider, which a Worker does not have: scheduled beside retention, it is logged, not thrown.
    const { mf } = startWorker({ DATABASE_URL: url, JOB_SCHEDULES: "pitr-check=15 * * * *" });
    const worker = await mf.getWorker();

    const result = await worker.scheduled({ cron: "15 * * * *", scheduledTime: new Date() });
    expect(result.outcome).toBe("ok");
    const runs = async () => (await sql.query<{ job: string; trigger: string; outcome: string | null; rows: Record<string, number> | null }>(`SELECT job, "trigger", outcome::text AS outcome, "rows" FROM "JobRun"`)).rows;
    await vi.waitFor(async () => expect((await runs())[0]?.outcome).toBeTruthy(), { timeout: 10_000, interval: 100 });
    expect(await runs()).toEqual([{ job: "retention", trigger: "schedule", outcome: "succeeded", rows: expect.objectContaining({ Session: 1 }) }]);
    expect((await sql.query<{ id: string }>(`SELECT id FROM "Session" ORDER BY id`)).rows).toEqual([{ id: "kept" }]);
    expect((await sql.query(`SELECT 1 FROM "JobLease"`)).rows).toEqual([]);

    // A cron no job is scheduled at runs nothing.
    expect((await worker.scheduled({ cron: "0 0 1 1 *", scheduledTime: new Date() })).outcome).toBe("ok");
    expect(await runs()).toHaveLength(1);
  });

  it("refuses invalid configuration, naming the variable", async () => {
    const call = startWorker({ DATABASE_URL: "mysql://nope", PBKDF2_ITERATIONS: "10000" });
    const res = await call("/health");
    expect(res.status).toBe(500);
    expect(res.body.error.message).toContain("DATABASE_URL");
  });
});
