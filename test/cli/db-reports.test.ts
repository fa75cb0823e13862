import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../../src/ops/embedded/postgres.ts";
import { connect, quoteIdent, type Connection } from "../../src/ops/sql.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { expectOneSentence, runDbctl, type DbctlRun } from "./run-dbctl.ts";

// A login role of this file's own (not a superuser) with a recognisable password, so "never
// printed" is checkable; it reads the reports as an application's role would.
const role = `reports_${randomBytes(4).toString("hex")}`;
const password = `pw-${randomBytes(8).toString("hex")}`;
const admin = await connect(inject("pg").adminUrl);
await admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${password}'`);
await admin.close();

const asRole = (url: string) => {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = password;
  return parsed.toString();
};
const masked = (url: string) => url.replace(`:${password}@`, ":****@");

const plain = await createTestDatabase();
const withStats = await createTestDatabase();
const application = `cli-report-${randomBytes(4).toString("hex")}`;
let session: Connection;

beforeAll(async () => {
  const stats = await openConnection(withStats.url);
  await stats.query("CREATE EXTENSION pg_stat_statements");
  for (const db of [plain, withStats]) {
    const owner = await openConnection(db.url);
    await owner.query(`GRANT CONNECT ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(role)}`);
  }
  session = await connect(asRole(plain.url), { applicationName: application });
  await session.query("SELECT 1");
});

afterAll(async () => {
  await session?.close();
  // The role may still hold grants on this file's databases: drop them first, then the role.
  const cleanup = await connect(inject("pg").adminUrl);
  try {
    for (const db of [plain, withStats]) await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdent(db.name)} WITH (FORCE)`);
    await cleanup.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  } finally {
    await cleanup.close();
  }
});

/** Every run of this file, so one test can check that none of them printed the password. */
const runs: DbctlRun[] = [];
async function dbctl(args: string[], env: Record<string, string> = {}): Promise<DbctlRun> {
  const run = await runDbctl(args, env);
  runs.push(run);
  return run;
}

describe("dbctl db connections", () => {
  it("prints a table of this database's connections with the guide's details, and the counts by state", async () => {
    const run = await dbctl(["db", "connections"], { DIRECT_URL: asRole(plain.url) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^Connections to ${plain.name} \\(${escape(masked(asRole(plain.url)))}\\): \\d+ of max_connections 200; .*\\b1 active\\b.*\\d+ idle\\b`));
    expect(lines[1]).toMatch(/^ {2}PID +USER +APPLICATION +STATE +QUERY START +WAITING FOR +TYPE$/);
    const ours = lines.find((line) => line.includes(application));
    expect(ours).toMatch(new RegExp(`^ {2}\\d+ +${role} +${application} +idle +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(just now\\) +Client: ClientRead +client backend$`));
    // Its own session, marked.
    expect(lines.filter((line) => /^ {2}\d+ \* /.test(line))).toEqual([expect.stringContaining("dbctl db connections")]);
  });

  it("--json: one document with the counts and the rows", async () => {
    const run = await dbctl(["db", "connections", "--json"], { DIRECT_URL: asRole(plain.url) });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ url: masked(asRole(plain.url)), database: plain.name, maxConnections: 200, byState: { active: 1 } });
    expect(report.connections.find((row: { application: string }) => row.application === application)).toMatchObject({ user: role, state: "idle", current: false });
    expect(report.total).toBe(report.connections.length);
    for (const row of report.connections) expect(Object.keys(row)).not.toContain("query");
  });

  it("a database it cannot reach: one sentence naming it masked, exit 1", async () => {
    const url = `postgresql://${role}:${password}@127.0.0.1:${await freePort()}/nowhere`;
    const run = await dbctl(["db", "connections", "--url", url]);
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain(masked(url));
  });
});

describe("dbctl db slow-queries", () => {
  it("without the extension in this database: says so and how to enable it, exit 0", async () => {
    const run = await dbctl(["db", "slow-queries"], { DIRECT_URL: asRole(plain.url) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`No statement statistics for ${plain.name} (${masked(asRole(plain.url))}): The pg_stat_statements extension is not installed in database ${plain.name}.`);
    expect(run.stdout).toContain("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;");
    const json = JSON.parse((await dbctl(["db", "slow-queries", "--json"], { DIRECT_URL: asRole(plain.url) })).stdout);
    expect(json).toMatchObject({ available: false, database: plain.name, reason: expect.stringContaining("not installed") });
    expect(json.howToEnable.join(" ")).toContain("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;");
  });

  it("with it: the statement just run is listed, slowest mean first, in a table and as JSON", async () => {
    const marker = `cli_marker_${randomBytes(4).toString("hex")}`;
    const db = await openConnection(asRole(withStats.url));
    for (let i = 0; i < 2; i++) await db.query(`SELECT pg_sleep(0.01), ${i} AS ${marker}`);

    const json = await dbctl(["db", "slow-queries", "--limit", "100", "--json"], { DIRECT_URL: asRole(withStats.url) });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ url: masked(asRole(withStats.url)), available: true, database: withStats.name, limit: 100 });
    expect(report.statements).toContainEqual({ query: `SELECT pg_sleep($1), $2 AS ${marker}`, calls: 2, meanMs: expect.any(Number), totalMs: expect.any(Number), rows: 2 });
    const means = report.statements.map((s: { meanMs: number }) => s.meanMs);
    expect(means).toEqual([...means].sort((x: number, y: number) => y - x));

    const text = await dbctl(["db", "slow-queries", "--limit", "100"], { DIRECT_URL: asRole(withStats.url) });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^Slowest statements in ${withStats.name} \\(${escape(masked(asRole(withStats.url)))}\\) by mean time, \\d+ statements:$`));
    expect(lines[1]).toMatch(/^ {2}MEAN ms +CALLS +TOTAL ms +ROWS +QUERY$/);
    expect(lines.find((line) => line.includes(marker))).toMatch(new RegExp(`^ {2}\\d+\\.\\d+ +2 +\\d+\\.\\d+ +2 +SELECT pg_sleep\\(\\$1\\), \\$2 AS ${marker}$`));
  });

  it("--limit bounds the list", async () => {
    const run = await dbctl(["db", "slow-queries", "--limit", "1", "--json"], { DIRECT_URL: asRole(withStats.url) });
    expect(JSON.parse(run.stdout).statements).toHaveLength(1);
  });

  it.each([["0"], ["101"], ["abc"], ["1.5"]])("--limit %s is bad usage: one sentence, exit 2, nothing asked", async (value) => {
    const run = await dbctl(["db", "slow-queries", "--limit", value, "--url", "postgresql://nobody@127.0.0.1:1/none"]);
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("--limit");
  });
});

describe("dbctl db slow-queries on a server without the library preloaded", () => {
  let root: string;
  let server: EmbeddedServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "no-preload-pg-"));
    chmodSync(root, 0o755);
    server = await startEmbeddedPostgres({ dataDir: join(root, "data"), persistent: false, settings: { fsync: "off" } });
    // Created, but a server that did not preload the library cannot read it.
    const db = await connect(server.url("postgres"));
    await db.query("CREATE EXTENSION pg_stat_statements");
    await db.close();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("says the library must be preloaded, and the steps start with shared_preload_libraries", async () => {
    const run = await dbctl(["db", "slow-queries", "--json"], { DIRECT_URL: server.url("postgres") });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ available: false, reason: "The pg_stat_statements library is not loaded: it must be listed in shared_preload_libraries." });
    expect(report.howToEnable[0]).toMatch(/^Add pg_stat_statements to shared_preload_libraries .* then restart PostgreSQL\.$/);
    expect(report.howToEnable[1]).toBe("Run CREATE EXTENSION IF NOT EXISTS pg_stat_statements; in this database.");
    expect(report.howToEnable[2]).toMatch(/^On Neon .*CREATE EXTENSION IF NOT EXISTS pg_stat_statements;/);
  });
});

describe("dbctl db reports: secrets", () => {
  it("no run printed the role's password", () => {
    expect(runs.length).toBeGreaterThan(5);
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(password);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
