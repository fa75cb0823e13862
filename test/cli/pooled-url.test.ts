import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { withConnection } from "../../src/ops/sql.ts";
import { createTestDatabase } from "../support/database.ts";
import { startPgBouncer, type PgBouncer } from "../support/pgbouncer.ts";
import { expectOneSentence, runDbctl } from "./run-dbctl.ts";

/**
 * dbctl refuses a pooled URL where it needs a session of its own (migrate, backup, recovery,
 * maintenance, jobs run), naming the direct host to use, before connecting: the pooled URLs
 * below name hosts that cannot be reached, so a connection attempt would end in another error.
 * The db reports read with single statements and run through a real PgBouncer. A hosted
 * Accelerate DATABASE_URL is refused as retired.
 */
const SECRET = "pooled-s3cret-pw";
const NEON_POOLED = `postgresql://neondb_owner:${SECRET}@ep-quiet-cloud-000000-pooler.us-east-2.aws.neon.tech.invalid/neondb?sslmode=require`;
const NEON_DIRECT_HOST = "ep-quiet-cloud-000000.us-east-2.aws.neon.tech.invalid";
const SUPABASE_POOLED = `postgresql://postgres.abcdefghijklmnop:${SECRET}@aws-0-us-east-1.pooler.supabase.com:6543/postgres?pgbouncer=true`;

const refusedBeforeConnecting = (output: string) => {
  expect(output).not.toMatch(/Could not connect|ENOTFOUND|ECONNREFUSED|timeout/i);
  expect(output).not.toContain(SECRET);
};

describe("a pooled --url", () => {
  it("migrate deploy: exit 1, one sentence naming the direct host, nothing connected", async () => {
    const run = await runDbctl(["migrate", "deploy", "--url", NEON_POOLED]);
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toMatch(/^--url points at Neon's connection pooler \(ep-quiet-cloud-000000-pooler\./);
    expect(run.stderr).toContain(`use the direct URL: ${NEON_DIRECT_HOST}, the same host without -pooler.`);
    refusedBeforeConnecting(run.stdout + run.stderr);
  });

  it("--json: the error document says POOLED_URL_REFUSED", async () => {
    const run = await runDbctl(["migrate", "deploy", "--json", "--url", NEON_POOLED]);
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("POOLED_URL_REFUSED");
    expect(body.error.message).toContain(NEON_DIRECT_HOST);
    refusedBeforeConnecting(run.stdout + run.stderr);
  });
});

describe("a pooled DATABASE_URL standing in for an unset DIRECT_URL", () => {
  it.each([
    [["migrate", "status"]],
    [["migrate", "deploy"]],
    [["migrate", "rollback"]],
    [["backup", "create"]],
    [["recovery", "window"]],
    [["maintenance", "status"]],
    [["jobs", "run", "retention"]],
  ])("dbctl %j is refused with the direct URL to set", async (args) => {
    const run = await runDbctl(args, { DATABASE_URL: SUPABASE_POOLED });
    expect(run.code, run.stderr).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toMatch(/^DIRECT_URL is not set and DATABASE_URL points at Supabase's transaction pooler/);
    expect(run.stderr).toContain("use the direct URL: db.abcdefghijklmnop.supabase.co:5432 (the direct connection)");
    expect(run.stderr).toMatch(/set DIRECT_URL to it or pass --url\.$/m);
    refusedBeforeConnecting(run.stdout + run.stderr);
  });

  it("a pooled DIRECT_URL is a configuration error, in env.ts's words", async () => {
    const run = await runDbctl(["migrate", "deploy"], { DIRECT_URL: NEON_POOLED });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toMatch(/^Invalid configuration: DIRECT_URL: points at Neon's connection pooler/);
    expect(run.stderr).toContain(NEON_DIRECT_HOST);
    refusedBeforeConnecting(run.stdout + run.stderr);
  });

  it("`prisma dev`'s Accelerate-protocol URL is no Postgres connection: its TCP URL is named", async () => {
    const run = await runDbctl(["migrate", "status"], { DATABASE_URL: "prisma+postgres://localhost:51213/?api_key=local-key" });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("DIRECT_URL is not set and DATABASE_URL points at an Accelerate-protocol endpoint");
    expect(run.stderr).toContain("the postgres:// TCP URL `prisma dev` prints");
    expect(run.stderr).not.toContain("local-key");
  });
});

describe("a hosted Accelerate DATABASE_URL", () => {
  it.each(["prisma", "prisma+postgres"])(
    "%s://accelerate.prisma-data.net without DIRECT_URL: refused as retired, its key unprinted",
    async (scheme) => {
      const run = await runDbctl(["migrate", "status"], { DATABASE_URL: `${scheme}://accelerate.prisma-data.net/?api_key=sk_secret_abc123` });
      expect(run.code).toBe(1);
      expectOneSentence(run.stderr);
      expect(run.stderr).toContain("DATABASE_URL: is a hosted Prisma Accelerate URL (accelerate.prisma-data.net), which was retired on 2026-12-01");
      expect(run.stderr).toContain("use Neon's pooled URL with the serverless driver, Hyperdrive on Workers");
      expect(run.stdout + run.stderr).not.toContain("sk_secret_abc123");
    },
  );

  it("does not stop an operator who has set DIRECT_URL", async () => {
    const db = await createTestDatabase();
    const run = await runDbctl(["migrate", "status"], { DIRECT_URL: db.url, DATABASE_URL: "prisma://accelerate.prisma-data.net/?api_key=sk_secret_abc123" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("(from DIRECT_URL)");
  });
});

describe("through a real PgBouncer in transaction mode", () => {
  let bouncer: PgBouncer;
  let database: { url: string; name: string };
  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
    const server = new URL(inject("pg").adminUrl);
    bouncer = await startPgBouncer({ port: Number(server.port), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
  }, 60_000);
  afterAll(async () => {
    await bouncer?.stop();
  });

  it("the db reports run pooled", async () => {
    const run = await runDbctl(["db", "connections", "--json", "--url", bouncer.url(database.name)]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { database: string; total: number };
    expect(report.database).toBe(database.name);
    expect(report.total).toBeGreaterThan(0);
  });

  it("migrate deploy is refused and the database stays as it was", async () => {
    const run = await runDbctl(["migrate", "deploy", "--url", bouncer.url(database.name)]);
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain(`--url points at a connection pooler (127.0.0.1:${bouncer.port}, pgbouncer=true)`);
    expect(run.stderr).toContain("use the direct URL: the database's own host and port, not the pooler's.");
    const tables = await withConnection(database.url, (db) => db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"));
    expect(tables.rows[0]?.n).toBe(0);
  });
});
