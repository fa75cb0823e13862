import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { DEMO_LOGIN } from "../prisma/seeds/dev.ts";
import { freePort } from "../src/ops/embedded/postgres.ts";
import { REPO_ROOT } from "./cli/run-dbctl.ts";
import { postgresPidsUnder, stopPostgresUnder } from "./ops/recovery-neon/processes.ts";

/**
 * The README's first command: `npm start` with no DATABASE_URL starts PostgreSQL from npm,
 * migrates, seeds, serves the API with the demo login, and Ctrl-C stops every server it started.
 */
const root = mkdtempSync(join(tmpdir(), "npm-start-"));
chmodSync(root, 0o755);
afterAll(() => {
  stopPostgresUnder(root);
  rmSync(root, { recursive: true, force: true });
});

it("serves the API on the embedded database and stops cleanly on SIGINT", { timeout: 120_000 }, async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      EMBEDDED_PG_DIR: join(root, "postgres"),
      RECOVERY_DIR: join(root, "recovery"),
      PBKDF2_ITERATIONS: "10000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
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
  } finally {
    child.kill("SIGINT");
  }
  expect(await exited).toBe(0);
  expect(postgresPidsUnder(root)).toEqual([]);
});
