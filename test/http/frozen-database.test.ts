import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { createDb, dbOptions, type Db } from "../../src/db/client.ts";
import { loadEnv } from "../../src/env.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../src/ops/embedded/postgres.ts";
import { deployMigrations } from "../../src/ops/migrations/deploy.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { connect } from "../../src/ops/sql.ts";

/**
 * A frozen database (every PostgreSQL process stopped with SIGSTOP: connections stay open, nothing
 * answers, nothing is cancelled) on a server of this file's own, with the app's default timeouts.
 */
let root: string;
let server: EmbeddedServer;
let db: Db;
let app: ReturnType<typeof createApp>;
let token: string;
let frozen: number[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "frozen-pg-"));
  chmodSync(root, 0o755);
  server = await startEmbeddedPostgres({ dataDir: join(root, "data"), persistent: false, settings: { fsync: "off" } });
  const conn = await connect(server.url("postgres"));
  await deployMigrations(conn, readMigrations("prisma/migrations"));
  await conn.close();
  const config = loadEnv({ APP_ENV: "test", DATABASE_URL: server.url("postgres"), PBKDF2_ITERATIONS: "10000" });
  db = createDb(PrismaClient, dbOptions(config, server.url("postgres")));
  app = createApp({ config, db: () => db });
  const signup = await app.request("/api/v1/auth/signup", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "frozen@example.com", password: "password-123" }),
  });
  token = (await signup.json()).token;
}, 120_000);

afterAll(async () => {
  thaw();
  await db?.$disconnect().catch(() => {});
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The postmaster and every process it started. */
function postgresProcesses(): number[] {
  const postmaster = Number(readFileSync(join(root, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the ")".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

function freeze() {
  frozen = postgresProcesses();
  for (const pid of frozen) process.kill(pid, "SIGSTOP");
}

function thaw() {
  for (const pid of frozen.splice(0)) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // already gone
    }
  }
}

/** The response, or a failure if none came within `ms`: a bound on the answer, not a benchmark. */
async function within<T>(ms: number, work: T | Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const readNotes = () => app.request("/api/v1/notes", { headers: { authorization: `Bearer ${token}` } });
const createNote = () =>
  app.request("/api/v1/notes", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: "while frozen" }),
  });

describe("a frozen database", () => {
  it("answers 503 JSON with Retry-After within 3 s, on pooled and new connections alike, then recovers by itself", async () => {
    // Warm the pool: the first frozen request goes out on a connection that is already open.
    expect((await readNotes()).status).toBe(200);
    expect((await Promise.all([readNotes(), readNotes(), readNotes()])).map((r) => r.status)).toEqual([200, 200, 200]);

    freeze();
    try {
      // Pooled connections first, then the pool opening new ones against a server that never answers.
      for (const attempt of [readNotes, readNotes, readNotes, readNotes, readNotes, createNote]) {
        const res = await within(3_000, attempt());
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("5");
        expect(res.headers.get("content-type")).toContain("application/json");
        expect((await res.json()).error.code).toBe("DATABASE_UNAVAILABLE");
      }
      const ready = await within(3_000, app.request("/health/ready"));
      expect(ready.status).toBe(503);
    } finally {
      thaw();
    }

    // No restart: the same app, the same pool, answering again once the database does.
    await expect.poll(async () => (await readNotes()).status, { timeout: 15_000, interval: 250 }).toBe(200);
    expect((await createNote()).status).toBe(201);
    expect((await app.request("/health/ready")).status).toBe(200);
    // Nothing the frozen requests tried to write got in, and no 503 became an ErrorLog row.
    expect(await db.note.count({ where: { title: "while frozen" } })).toBe(1);
    expect(await db.errorLog.count()).toBe(0);
  }, 90_000);
});
