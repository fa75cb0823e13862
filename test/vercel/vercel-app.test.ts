import { afterAll, describe, expect, it } from "vitest";
import { createVercelApp, type VercelApp } from "../../src/vercel-app.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { caller, cronCall, cronChecks, mainFlows } from "./flows.ts";

/**
 * The Vercel Function's app (src/vercel-app.ts, what src/index.ts exports) on a real database,
 * called as Vercel's Node runtime calls it: `fetch(new Request(...))`. The platform's waitUntil
 * is the test's, so the work after each response can be awaited and checked.
 */
const SECRET = "vercel-cron-secret-0123456789";
const apps: VercelApp[] = [];

afterAll(async () => {
  for (const { metrics, db } of apps) {
    await metrics?.stop();
    await db?.$disconnect();
  }
});

async function deployment(env: Record<string, string> = {}) {
  const { url } = await createTestDatabase();
  const pending: Promise<unknown>[] = [];
  const vercel = createVercelApp(
    { APP_ENV: "test", DATABASE_URL: url, PBKDF2_ITERATIONS: "10000", CRON_SECRET: SECRET, ...env },
    { waitUntil: (work) => void pending.push(work) },
  );
  apps.push(vercel);
  const sql = await openConnection(url);
  /** Everything handed to waitUntil so far, settled. */
  const settled = async () => {
    while (pending.length) await Promise.allSettled(pending.splice(0));
  };
  const send = caller(vercel.app);
  let apiRequests = 0;
  const call: typeof send = (path, init) => {
    if (path.startsWith("/api/")) apiRequests++;
    return send(path, init);
  };
  return { call, sql, settled, vercel, apiRequests: () => apiRequests };
}

describe("the Vercel app", () => {
  it("serves the main flows on one shared client, and writes each request's metric through waitUntil", async () => {
    const { call, sql, settled, vercel, apiRequests } = await deployment();
    expect(await call("/health/ready")).toMatchObject({ status: 200, body: { status: "ok", database: "up" } });
    const made = await mainFlows(call, "vera@example.com");

    const notes = await sql.query<{ id: string; deleted: boolean }>(`SELECT id, "deletedAt" IS NOT NULL AS deleted FROM "Note" ORDER BY id`);
    expect(notes.rows).toEqual([...made.noteIds].sort().map((id) => ({ id, deleted: false })));

    await settled();
    const metrics = await sql.query<{ n: number; created: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE method = 'POST' AND route = '/api/v1/notes' AND status = 201)::int AS created FROM "PerformanceMetric"`,
    );
    // Every API request is one row (health is not under /api), and none is left waiting.
    expect(metrics.rows[0]).toEqual({ n: apiRequests(), created: 2 });
    expect(vercel.metrics?.stats()).toEqual({ buffered: 0, dropped: 0, written: apiRequests() });
  });

  it("limits signups per client address taken from X-Forwarded-For, as Vercel sets it", async () => {
    const { call } = await deployment({ AUTH_RATE_LIMIT_ADDRESS: "2" });
    const signup = (n: number, forwardedFor: string) =>
      call("/api/v1/auth/signup", { method: "POST", headers: { "x-forwarded-for": forwardedFor }, body: { email: `u${n}@example.com`, password: "password-123" } });
    expect([(await signup(1, "203.0.113.7")).status, (await signup(2, "203.0.113.7")).status]).toEqual([201, 201]);
    const refused = await signup(3, "203.0.113.7");
    expect([refused.status, refused.body.error.code]).toEqual([429, "TOO_MANY_REQUESTS"]);
    // Another client is another budget; so is X-Real-IP's address when X-Forwarded-For is absent.
    expect((await signup(4, "198.51.100.20")).status).toBe(201);
    const byRealIp = await call("/api/v1/auth/signup", { method: "POST", headers: { "x-real-ip": "192.0.2.44" }, body: { email: "u5@example.com", password: "password-123" } });
    expect(byRealIp.status).toBe(201);
  });

  it("runs a cron job only for the right CRON_SECRET, recording its JobRun; a job needing more than the database is 409", async () => {
    const { call, sql } = await deployment();
    await sql.query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('u1', 'cron@example.com', 'x', now())`);
    await sql.query(`INSERT INTO "Session" (id, "userId", "tokenHash", "expiresAt") VALUES ('gone', 'u1', 'a', now() - interval '1 hour'), ('kept', 'u1', 'b', now() + interval '1 hour')`);
    const jobRuns = async () => (await sql.query<{ job: string; trigger: string; outcome: string | null }>(`SELECT job, "trigger", outcome::text AS outcome FROM "JobRun"`)).rows;

    const run = await cronChecks(call, SECRET, jobRuns);
    expect(run.rows).toMatchObject({ Session: 1 });
    expect((await sql.query(`SELECT id FROM "Session" ORDER BY id`)).rows).toEqual([{ id: "kept" }]);

    // No pg_dump and no recovery provider on Vercel: the PITR check is refused before it starts.
    const unavailable = await cronCall(call, "pitr-check", `Bearer ${SECRET}`);
    expect([unavailable.status, unavailable.body.error.code]).toEqual([409, "JOB_UNAVAILABLE"]);
    expect(await jobRuns()).toHaveLength(1);
  });

  it("answers 500 MISCONFIGURED to every request without DATABASE_URL, or with a bad variable, naming it", async () => {
    const missing = caller(createVercelApp({ APP_ENV: "production" }).app);
    for (const path of ["/health", "/api/v1/notes", "/api/cron/retention"]) {
      const res = await missing(path);
      expect([path, res.status, res.body.error.code]).toEqual([path, 500, "MISCONFIGURED"]);
      expect(res.body.error.message).toContain("DATABASE_URL");
    }
    const bad = await caller(createVercelApp({ DATABASE_URL: "postgresql://u:p@db.example.com/app", CRON_SECRET: "short" }).app)("/health");
    expect([bad.status, bad.body.error.code]).toEqual([500, "MISCONFIGURED"]);
    expect(bad.body.error.message).toContain("CRON_SECRET");
    expect(bad.body.error.message).not.toContain("u:p@");
  });
});
