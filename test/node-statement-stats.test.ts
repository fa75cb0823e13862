import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_LOGIN } from "../prisma/seeds/dev.ts";
import { freePort } from "../src/ops/embedded/postgres.ts";
import { embeddedShipsStatementStats } from "../src/ops/embedded/statement-stats.ts";
import { runDbctl } from "./cli/run-dbctl.ts";
import { postgresPidsUnder, stopPostgresUnder } from "./ops/recovery-neon/processes.ts";
import { npmStart, type NpmStart } from "./support/npm-start.ts";
import { copyProject } from "./support/project-copy.ts";

/**
 * npm start's embedded server preloads pg_stat_statements where the binaries from npm ship it
 * (they do on this machine, which the first test checks) and creates it in the app database, so
 * the slow-queries report has data from the first start, over the API and over dbctl.
 */
const root = mkdtempSync(join(tmpdir(), "npm-start-stats-"));
chmodSync(root, 0o755);
const project = copyProject(join(root, "project"));
let server: NpmStart;
let apiPort: number;
let pgPort: number;

beforeAll(async () => {
  apiPort = await freePort();
  pgPort = await freePort();
  server = npmStart(project, { PORT: String(apiPort), EMBEDDED_PG_PORT: String(pgPort), PBKDF2_ITERATIONS: "10000" });
  await server.ready();
}, 180_000);

afterAll(async () => {
  try {
    expect(await server?.stop()).toBe(0);
    expect(postgresPidsUnder(root)).toEqual([]);
  } finally {
    stopPostgresUnder(root);
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);

const api = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${apiPort}${path}`, init);

describe("npm start and pg_stat_statements", () => {
  it("the binaries from npm ship it here", async () => {
    expect(await embeddedShipsStatementStats()).toBe(true);
  });

  it("the admin's slow-queries report is available and lists the app's own statements", async () => {
    const login = await api("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN_LOGIN) });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const res = await api("/api/v1/admin/db/slow-queries?limit=100", { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { available: boolean; database: string; statements: { query: string }[] };
    expect(body).toMatchObject({ available: true, database: "app" });
    // The login just now wrote its session through Prisma.
    expect(body.statements.map((s) => s.query)).toContainEqual(expect.stringMatching(/^INSERT INTO "public"\."Session"/));
  });

  it("dbctl db slow-queries against npm start's database (found with nothing configured) says the same", async () => {
    const run = await runDbctl(["db", "slow-queries", "--json"], { EMBEDDED_PG_DIR: join(project, ".data/postgres") });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ available: true, database: "app", url: `postgresql://postgres:****@127.0.0.1:${pgPort}/app` });
    expect(run.stdout + run.stderr).not.toContain("postgres:postgres@");
  });
});
