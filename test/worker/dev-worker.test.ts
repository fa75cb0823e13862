import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { DEMO_LOGIN } from "../../prisma/seeds/dev.ts";
import { REPO_ROOT } from "../cli/run-dbctl.ts";
import { stopPostgresUnder } from "../ops/recovery-neon/processes.ts";
import { npmStart, type NpmStart } from "../support/npm-start.ts";
import { copyProject } from "../support/project-copy.ts";

/**
 * `npm run dev:worker` as a user runs it, in a copy of the project: `npm start` in one terminal,
 * then the Worker in `wrangler dev` (workerd) in another, on npm start's database through the
 * Hyperdrive binding, with nothing configured and no network but loopback.
 */
const root = mkdtempSync(join(tmpdir(), "dev-worker-"));
// PostgreSQL runs as the postgres user and must enter the folder.
chmodSync(root, 0o755);
const project = copyProject(join(root, "project"));
cpSync(join(REPO_ROOT, "wrangler.toml"), join(project, "wrangler.toml"));
const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
let server: NpmStart | undefined;
const started: ChildProcess[] = [];

beforeAll(async () => {
  server = npmStart(project, { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), PBKDF2_ITERATIONS: "10000", JOBS_ENABLED: "false" });
  await server.ready();
}, 180_000);

afterAll(async () => {
  // Each dev:worker is its own process group (npm, tsx, wrangler, workerd): Ctrl-C reaches them all.
  await Promise.all(started.map((child) => stopGroup(child)));
  await server?.stop();
  stopPostgresUnder(root);
  rmSync(root, { recursive: true, force: true });
});

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(-(child.pid as number), "SIGINT");
  return gone;
}

function devWorker(args: string[]) {
  const child = spawn("npm", ["run", "--silent", "dev:worker", "--", ...args], { cwd: project, env: baseEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  started.push(child);
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, output: () => output, exited };
}

describe("npm run dev:worker", () => {
  it("serves the Worker in wrangler dev on npm start's database, through the Hyperdrive binding, saying which database", async () => {
    const port = await freePort();
    const dev = devWorker(["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort())]);
    const deadline = Date.now() + 120_000;
    let ready: { status: number; body: unknown } | undefined;
    while (Date.now() < deadline && ready?.status !== 200) {
      if (dev.child.exitCode !== null) throw new Error(`dev:worker exited (${dev.child.exitCode}):\n${dev.output()}`);
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(async (res) => ({ status: res.status, body: await res.json() }), () => undefined);
      if (ready?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(ready, dev.output()).toMatchObject({ status: 200, body: { status: "ok", database: "up" } });

    // npm start's seeded demo user logs in: the Worker reads npm start's own database.
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(DEMO_LOGIN) });
    expect(login.status).toBe(200);
    expect((await login.json()).user).toMatchObject({ email: DEMO_LOGIN.email });

    expect(dev.output()).toMatch(/Using the database of npm start: postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/app \(\.data\/postgres\)/);
    expect(dev.output()).toContain("env.HYPERDRIVE");

    // Cron triggers by hand, as wrangler dev offers: retention runs on npm start's database; and
    // the Worker is development there, not production as wrangler.toml's vars say.
    const trigger = (cron: string) => fetch(`http://127.0.0.1:${port}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`).then((res) => res.status);
    expect(await trigger("15 * * * *")).toBe(200);
    expect(await trigger("0 0 1 1 *")).toBe(200);
    await expect.poll(dev.output, { timeout: 10_000 }).toMatch(/\[cron\] retention: succeeded/);
    await expect.poll(dev.output, { timeout: 10_000 }).toContain(`"0 0 1 1 *" matches no job scheduled in development`);
    // The password reaches wrangler in its environment only, never its output.
    expect(dev.output()).not.toContain("postgres:postgres@");
    await stopGroup(dev.child);
  });

  it("says how to start the database when npm start is not running, and exits 1", async () => {
    // A directory where npm start never ran.
    const elsewhere = mkdtempSync(join(root, "elsewhere-"));
    const child = spawn(process.execPath, [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "src/dev-worker.ts")], { cwd: elsewhere, env: baseEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "No database URL: start the local database with `npm start` in another terminal, or set CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE to a PostgreSQL URL.",
    );
  });
});
