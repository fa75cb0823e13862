import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_LOGIN } from "../prisma/seeds/dev.ts";
import { findLocalDatabase } from "../src/ops/embedded/local-database.ts";
import { freePort } from "../src/ops/embedded/postgres.ts";
import { withConnection } from "../src/ops/sql.ts";
import { REPO_ROOT } from "./cli/run-dbctl.ts";
import { postgresPidsUnder, stopPostgresUnder } from "./ops/recovery-neon/processes.ts";

/**
 * The README's first command: `npm start` with no DATABASE_URL starts PostgreSQL from npm,
 * migrates, seeds, serves the API with the demo login, runs the jobs' schedule in-process, and
 * Ctrl-C stops every server it started. One process for the file's tests, in their order.
 */
const root = mkdtempSync(join(tmpdir(), "npm-start-"));
chmodSync(root, 0o755);
const dataDir = join(root, "postgres");
let child: ChildProcess;
let port: number;
let output = "";
let exited: Promise<number | null>;

beforeAll(async () => {
  port = await freePort();
  child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      EMBEDDED_PG_DIR: dataDir,
      RECOVERY_DIR: join(root, "recovery"),
      BACKUP_DIR: join(root, "backups"),
      PBKDF2_ITERATIONS: "10000",
      // Every second (Node allows six fields), so the scheduler's first run comes at once.
      JOB_SCHEDULES: "retention=* * * * * *",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  exited = new Promise<number | null>((resolve) => child.on("close", resolve));
});

afterAll(() => {
  child?.kill("SIGINT");
  stopPostgresUnder(root);
  rmSync(root, { recursive: true, force: true });
});

it("serves the API on the embedded database", { timeout: 120_000 }, async () => {
  await expect.poll(() => output, { timeout: 100_000, interval: 200 }).toContain("Press Ctrl-C to stop.");
  expect(output).toContain(`API ready at http://localhost:${port}`);
  expect(output).toContain(`Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}`);
  expect(output).toContain("postgres:****@");

  const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
  expect(await ready.json()).toMatchObject({ status: "ok", database: "up" });
  const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(DEMO_LOGIN),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  const notes = await fetch(`http://127.0.0.1:${port}/api/v1/notes`, { headers: { authorization: `Bearer ${token}` } });
  expect(((await notes.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
  expect(postgresPidsUnder(root).length).toBeGreaterThan(0);
});

it("runs the jobs' schedule in-process: retention's runs appear in JobRun with trigger schedule", { timeout: 60_000 }, async () => {
  // The embedded database's WAL archive makes the recovery jobs runnable here, on their default schedules.
  expect(output).toMatch(/^Jobs: retention \* \* \* \* \* \*, pitr-check 30 \* \* \* \*, /m);
  const local = findLocalDatabase({ cwd: REPO_ROOT, env: { EMBEDDED_PG_DIR: dataDir } });
  if (!local.running) throw new Error(`npm start's database is not running:\n${output}`);
  const scheduled = () =>
    withConnection(local.url, async (db) => (await db.query<{ outcome: string }>(`SELECT outcome::text AS outcome FROM "JobRun" WHERE job = 'retention' AND "trigger" = 'schedule' AND "finishedAt" IS NOT NULL`)).rows);
  await expect.poll(scheduled, { timeout: 30_000, interval: 250 }).toContainEqual({ outcome: "succeeded" });
  expect(output).toMatch(/^\[jobs\] retention: succeeded rows .+ \(run [\w-]+\)$/m);
});

it("stops cleanly on SIGINT, with every PostgreSQL it started", { timeout: 60_000 }, async () => {
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  expect(postgresPidsUnder(root)).toEqual([]);
});
