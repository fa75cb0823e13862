import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { runProcess } from "../../src/ops/process.ts";
import { postgresPidsUnder, stopPostgresUnder } from "../ops/recovery-neon/processes.ts";
import { createTestDatabase } from "../support/database.ts";
import { npmStart, type NpmStart } from "../support/npm-start.ts";
import { copyProject } from "../support/project-copy.ts";

/**
 * A newcomer's second terminal: `npm start` runs in a copy of the project, configured by a .env
 * only (its data in db/postgres rather than the default), and dbctl, the seeds and
 * `npm run prisma` in another process, with nothing configured, use its database and say so on
 * stderr; once it stops, they say how to start it.
 */
const root = mkdtempSync(join(tmpdir(), "local-default-"));
// mkdtemp makes the folder private; PostgreSQL runs as the postgres user and must enter it.
chmodSync(root, 0o755);
const project = copyProject(join(root, "project"));
const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
let server: NpmStart | undefined;
let pgPort: number;
let filePort: number;
let envPort: number;

beforeAll(async () => {
  [pgPort, filePort, envPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(
    join(project, ".env"),
    [`PORT=${filePort}`, `EMBEDDED_PG_PORT=${pgPort}`, "EMBEDDED_PG_DIR=db/postgres", "RECOVERY_DIR=db/recovery", "PBKDF2_ITERATIONS=10000", ""].join("\n"),
  );
  server = npmStart(project, { PORT: String(envPort) });
  await server.ready();
}, 180_000);

afterAll(async () => {
  await server?.stop();
  stopPostgresUnder(root);
  rmSync(root, { recursive: true, force: true });
});

const dbctl = (args: string[], env: Record<string, string> = {}) => runProcess(process.execPath, ["bin/dbctl.mjs", ...args], { cwd: project, env: { ...baseEnv, ...env } });
const seed = (kind: string) => runProcess(process.execPath, ["node_modules/tsx/dist/cli.mjs", "prisma/seeds/index.ts", kind], { cwd: project, env: baseEnv });

const maskedUrl = () => `postgresql://postgres:****@127.0.0.1:${pgPort}/app`;
const notice = () => `Using the database of npm start: ${maskedUrl()} (db/postgres)\n`;

describe("while npm start runs", () => {
  it("npm start read .env beneath the environment (PORT from the environment, the database settings from the file)", async () => {
    expect(server?.output()).toContain(`API ready at http://localhost:${envPort}`);
    expect(server?.output()).toContain("data in db/postgres");
    expect(await fetch(`http://127.0.0.1:${envPort}/health`).then((r) => r.status)).toBe(200);
    await expect(fetch(`http://127.0.0.1:${filePort}/health`)).rejects.toThrow();
    expect(postgresPidsUnder(join(project, "db/postgres")).length).toBeGreaterThan(0);
  });

  it("recorded its server beside its data, readable by its owner only", () => {
    const file = join(project, "db/local-database.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      host: "127.0.0.1",
      port: pgPort,
      user: "postgres",
      password: "postgres",
      database: "app",
      dataDir: join(project, "db/postgres"),
    });
  });

  it("dbctl with nothing configured uses that database, saying so on stderr, so --json stays one document", async () => {
    const status = await dbctl(["migrate", "status", "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ database: maskedUrl(), upToDate: true, pending: [] });
    expect(status.stderr).toBe(notice());

    const maintenance = await dbctl(["maintenance", "status"]);
    expect(maintenance.code, maintenance.stderr).toBe(0);
    expect(maintenance.stdout).toContain(`Maintenance is OFF for ${maskedUrl()}`);
    expect(maintenance.stderr).toBe(notice());
    expect(maintenance.stdout + maintenance.stderr).not.toContain("postgres:postgres@");
  });

  it("dbctl: a configured URL still wins, and a hosted Accelerate URL is still refused (retired)", async () => {
    const other = await createTestDatabase();
    const direct = await dbctl(["maintenance", "status"], { DIRECT_URL: other.url });
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toContain(`/${other.name}:`);
    expect(direct.stderr).toBe("");

    const accelerate = await dbctl(["maintenance", "status"], { DATABASE_URL: "prisma://accelerate.prisma-data.net/?api_key=k" });
    expect(accelerate.code).toBe(1);
    expect(accelerate.stderr).toContain("DATABASE_URL: is a hosted Prisma Accelerate URL (accelerate.prisma-data.net), which was retired on 2026-12-01");
  });

  it("dbctl: EMBEDDED_PG_DIR in the environment wins over .env's", async () => {
    const run = await dbctl(["migrate", "status"], { EMBEDDED_PG_DIR: "elsewhere/postgres" });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("No database URL: start the local database with `npm start` in another terminal, or set DIRECT_URL (or DATABASE_URL), or pass --url.");
  });

  it("the seeds with nothing configured use that database", async () => {
    const run = await seed("dev");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(notice());
    // npm start seeded it on its first start; the seed is idempotent.
    expect(run.stdout).toContain("dev seed:");
  });

  it("npm run prisma with nothing configured uses that database", async () => {
    const run = await runProcess("npm", ["run", "--silent", "prisma", "--", "migrate", "status"], { cwd: project, env: { ...baseEnv, NO_COLOR: "1" } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`PostgreSQL database "app", schema "public" at "127.0.0.1:${pgPort}"`);
    expect(run.stdout).toContain("Database schema is up to date!");
    expect(run.stderr).toContain(notice());
  });
});

describe("after npm start stopped", () => {
  beforeAll(async () => {
    expect(await server?.stop()).toBe(0);
    expect(postgresPidsUnder(root)).toEqual([]);
  }, 120_000);

  it("dbctl says in one sentence that the server is not running and how to start it", async () => {
    const run = await dbctl(["migrate", "status", "--json"]);
    const sentence = "No database URL, and the database of npm start (db/postgres) is not running: start it with `npm start` in another terminal, or set DIRECT_URL (or DATABASE_URL), or pass --url.";
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(sentence);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "NO_DATABASE_URL", message: sentence } });
  });

  it("the seeds say the same", async () => {
    const run = await seed("dev");
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("No database URL, and the database of npm start (db/postgres) is not running: start it with `npm start` in another terminal, or set DATABASE_URL to the database to seed.");
  });
});
