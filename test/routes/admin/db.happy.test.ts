import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, quoteIdent, type Connection } from "../../../src/ops/sql.ts";
import { createTestApp } from "../../support/app.ts";
import { openConnection } from "../../support/database.ts";

const t = await createTestApp();
let admin: { token: string };
const application = `ops-report-${randomBytes(4).toString("hex")}`;
const secret = `pw-${randomBytes(8).toString("hex")}`;

let session: Connection | undefined;

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  // A session of our own with a known name, left idle after a query that holds a literal secret.
  session = await connect(t.url, { applicationName: application });
  await session.query(`SELECT '${secret}' AS not_for_the_report`);
});
afterAll(async () => session?.close());

describe("admin db connections", () => {
  it("lists this database's connections with the guide's details, counted by state", async () => {
    const res = await t.client.api.v1.admin.db.connections.$get({}, t.as(admin.token));
    expect(res.status).toBe(200);
    const body = await res.json();
    if (!("connections" in body)) throw new Error("expected the report");
    expect(body.database).toBe(new URL(t.url).pathname.slice(1));
    const ours = body.connections.find((row) => row.application === application);
    expect(ours).toMatchObject({ pid: expect.any(Number), user: "postgres", state: "idle", queryStart: expect.any(String), backendType: "client backend", current: false });
    // The report's own session is among them, running.
    expect(body.connections.filter((row) => row.current)).toEqual([expect.objectContaining({ state: "active" })]);
    expect(body.total).toBe(body.connections.length);
    expect(Object.values(body.byState).reduce((a, b) => a + b, 0)).toBe(body.total);
    expect(body.byState.idle).toBe(body.connections.filter((row) => row.state === "idle").length);
    expect(body.byState).toMatchObject({ active: expect.any(Number), "idle in transaction": expect.any(Number) });
    expect(body.maxConnections).toBe(200);
  });

  it("never shows a connection's query text", async () => {
    const res = await t.request("GET", "/api/v1/admin/db/connections", { token: admin.token });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(JSON.stringify(res.body)).not.toContain("not_for_the_report");
    for (const row of res.body.connections) expect(Object.keys(row)).not.toContain("query");
  });

  it("counts a session idle in a transaction", async () => {
    const open = await openConnection(t.url);
    await open.query("BEGIN");
    await open.query("SELECT 1");
    try {
      const res = await t.request("GET", "/api/v1/admin/db/connections", { token: admin.token });
      expect(res.body.byState["idle in transaction"]).toBeGreaterThanOrEqual(1);
    } finally {
      await open.query("ROLLBACK");
    }
  });

  it("does not list another database's connections", async () => {
    const other = await connect(t.url.replace(/\/[^/]+$/, "/postgres"), { applicationName: `${application}-elsewhere` });
    try {
      const res = await t.request("GET", "/api/v1/admin/db/connections", { token: admin.token });
      expect(res.body.connections.map((row: { application: string }) => row.application)).not.toContain(`${application}-elsewhere`);
    } finally {
      await other.close();
    }
  });
});

describe("admin db slow-queries", () => {
  it("without pg_stat_statements in this database: 200, not available, and how to enable it", async () => {
    const res = await t.request("GET", "/api/v1/admin/db/slow-queries", { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      available: false,
      database: new URL(t.url).pathname.slice(1),
      reason: expect.stringMatching(/pg_stat_statements extension is not installed/),
      // The test server preloads the library: only CREATE EXTENSION is left to do.
      howToEnable: ["Run CREATE EXTENSION IF NOT EXISTS pg_stat_statements; in this database (the library is already loaded)."],
    });
  });

  it("with the extension: lists a statement after it ran, normalised, with its calls and times", async () => {
    const db = await openConnection(t.url);
    await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const marker = `slow_marker_${randomBytes(4).toString("hex")}`;
    for (let i = 0; i < 3; i++) await db.query(`SELECT pg_sleep(0.01), ${i} AS ${marker}`);

    const res = await t.client.api.v1.admin.db["slow-queries"].$get({ query: { limit: "100" } }, t.as(admin.token));
    expect(res.status).toBe(200);
    const body = await res.json();
    if (!("available" in body) || !body.available) throw new Error(`expected statements: ${JSON.stringify(body)}`);
    expect(body.limit).toBe(100);
    const ours = body.statements.find((s) => s.query.includes(marker));
    // Constants are normalised, so the three runs are one statement.
    expect(ours).toEqual({ query: `SELECT pg_sleep($1), $2 AS ${marker}`, calls: 3, meanMs: expect.any(Number), totalMs: expect.any(Number), rows: 3 });
    expect(ours?.totalMs).toBeGreaterThanOrEqual(ours?.meanMs ?? Infinity);
    const means = body.statements.map((s) => s.meanMs);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    // The report's own statements (asked twice now) are not among them.
    await t.request("GET", "/api/v1/admin/db/slow-queries", { token: admin.token });
    const again = await t.request("GET", "/api/v1/admin/db/slow-queries?limit=100", { token: admin.token });
    expect(again.body.statements.filter((s: { query: string }) => /pg_stat_statements|pg_extension|pg_attribute/.test(s.query))).toEqual([
      expect.objectContaining({ query: "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" }),
    ]);
  });

  it("honours the limit and defaults to 10", async () => {
    const db = await openConnection(t.url);
    await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    for (let i = 0; i < 12; i++) await db.query(`SELECT ${i} AS distinct_statement_${i}`);
    expect((await t.request("GET", "/api/v1/admin/db/slow-queries", { token: admin.token })).body.statements).toHaveLength(10);
    expect((await t.request("GET", "/api/v1/admin/db/slow-queries?limit=2", { token: admin.token })).body.statements).toHaveLength(2);
  });

  it("masks a password a utility statement kept in its text", async () => {
    const db = await openConnection(t.url);
    await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const role = `report_${randomBytes(4).toString("hex")}`;
    await db.query(`CREATE ROLE ${quoteIdent(role)} PASSWORD '${secret}'`);
    await db.query(`DROP ROLE ${quoteIdent(role)}`);
    const res = await t.request("GET", "/api/v1/admin/db/slow-queries?limit=100", { token: admin.token });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(res.body.statements.map((s: { query: string }) => s.query)).toContain(`CREATE ROLE ${quoteIdent(role)} PASSWORD '****'`);
  });
});
