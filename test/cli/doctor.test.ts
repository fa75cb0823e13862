import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { insertFinishedRun } from "../../src/jobs/history.ts";
import { DOCTOR_CHECKS, gatherFacts, GROUPS, runDoctor } from "../../src/ops/doctor/index.ts";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { quoteIdent, withConnection } from "../../src/ops/sql.ts";
import { createTestDatabase } from "../support/database.ts";
import { REPO_ROOT, runDbctl } from "./run-dbctl.ts";

/**
 * `dbctl doctor` against a real database: a migrated test database reached as a role with a
 * password of its own (so "never prints the password" means something), the repository's own
 * migrations (copied, to take a rollback script away or edit an applied file), and URLs that
 * must fail before anything connects: a Neon -pooler DIRECT_URL and a hosted Accelerate DATABASE_URL.
 */
const PASSWORD = `doctor-${randomBytes(6).toString("hex")}-pw`;
const ROLE = `doctor_${randomBytes(4).toString("hex")}`;
const POOLED_SECRET = "pooled-doctor-s3cret";
const NEON_POOLED = `postgresql://neondb_owner:${POOLED_SECRET}@ep-quiet-cloud-000000-pooler.us-east-2.aws.neon.tech.invalid/neondb?sslmode=require&channel_binding=require`;
const API_KEY = "accelerate-doctor-api-key-0123456789";
const HOSTED_ACCELERATE = `prisma+postgres://accelerate.prisma-data.net/?api_key=${API_KEY}`;

const scratch = mkdtempSync(join(tmpdir(), "doctor-"));
/** Nothing from the repository's own working state (its backups, npm start's archive) leaks in. */
const isolated = { BACKUP_DIR: join(scratch, "backups"), RECOVERY_DIR: join(scratch, "recovery"), EMBEDDED_PG_DIR: join(scratch, "postgres") };
let directUrl: string;
let adminUrl: string;
let silent: Server | undefined;
const sockets: Socket[] = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  adminUrl = db.url;
  const pg = inject("pg");
  await withConnection(pg.adminUrl, async (admin) => {
    await admin.query(`CREATE ROLE ${quoteIdent(ROLE)} LOGIN PASSWORD '${PASSWORD}'`);
    await admin.query(`GRANT pg_read_all_data, pg_monitor TO ${quoteIdent(ROLE)}`);
  });
  const url = new URL(db.url);
  url.username = ROLE;
  url.password = PASSWORD;
  directUrl = url.toString();
});

afterAll(async () => {
  silent?.close();
  for (const socket of sockets) socket.destroy();
  await withConnection(inject("pg").adminUrl, (admin) => admin.query(`DROP ROLE IF EXISTS ${quoteIdent(ROLE)}`)).catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
});

interface Report {
  ok: boolean;
  checks: { group: string; name: string; status: "pass" | "warn" | "fail"; advice: string; detail?: unknown }[];
}

async function doctor(env: Record<string, string>, extra: string[] = []) {
  const json = await runDbctl(["doctor", "--json", ...extra], { ...isolated, ...env });
  const text = await runDbctl(["doctor", ...extra], { ...isolated, ...env });
  for (const output of [json.stdout, json.stderr, text.stdout, text.stderr]) {
    for (const secret of [PASSWORD, POOLED_SECRET, API_KEY]) expect(output).not.toContain(secret);
  }
  expect(text.code).toBe(json.code);
  const report = JSON.parse(json.stdout) as Report;
  const check = (name: string) => {
    const found = report.checks.find((c) => c.name === name);
    if (!found) throw new Error(`no check named ${name}`);
    return found;
  };
  return { code: json.code, report, text: text.stdout, check, failed: report.checks.filter((c) => c.status === "fail").map((c) => c.name) };
}

/** A copy of the repository's migrations and rollback scripts, to break one way. */
function migrationsCopy() {
  const root = mkdtempSync(join(scratch, "migrations-"));
  cpSync(join(REPO_ROOT, "prisma/migrations"), join(root, "migrations"), { recursive: true });
  cpSync(join(REPO_ROOT, "migrations-rollback"), join(root, "rollback"), { recursive: true });
  const names = readdirSync(join(root, "migrations")).filter((name) => /^\d{14}_/.test(name)).sort();
  return { migrationsDir: join(root, "migrations"), rollbackDir: join(root, "rollback"), names, flags: ["--migrations-dir", join(root, "migrations"), "--rollback-dir", join(root, "rollback")] };
}

describe("on a migrated database with default settings", () => {
  it("passes (exit 0) with warnings where a local database cannot meet a production rule; --json lists every check", async () => {
    const { code, report, check, text } = await doctor({ DIRECT_URL: directUrl });
    expect(code, JSON.stringify(report, null, 2)).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
    // Every check, once, in the guide's groups and order, each with one line of advice.
    expect(report.checks.map((c) => `${c.group}/${c.name}`)).toEqual(DOCTOR_CHECKS.map((c) => `${c.group}/${c.name}`));
    expect(new Set(report.checks.map((c) => c.group))).toEqual(new Set(GROUPS));
    for (const c of report.checks) {
      expect(["pass", "warn", "fail"]).toContain(c.status);
      expect(c.advice.trim()).not.toBe("");
      expect(c.advice).not.toContain("\n");
    }
    // The database was really checked: its migrations, its server version, its job history.
    expect(check("none pending")).toMatchObject({ status: "pass" });
    expect(check("no applied file edited")).toMatchObject({ status: "pass" });
    expect(check("rollback scripts")).toMatchObject({ status: "pass" });
    expect(check("pg_dump")).toMatchObject({ status: "pass", detail: { serverMajor: expect.any(Number) } });
    expect(check("reachable")).toMatchObject({ status: "pass", detail: { DIRECT_URL: { reachable: true, connectMs: expect.any(Number) } } });
    // Local rules: no pooler, no TLS, development backs up by hand.
    expect(check("DATABASE_URL pooled").status).toBe("warn");
    expect(check("sslmode").status).toBe("warn");
    expect(check("recent backup").status).toBe("warn");
    // The table for people: the groups as headings, and the verdict.
    for (const group of GROUPS) expect(text).toMatch(new RegExp(`^${group}$`, "m"));
    expect(text).toMatch(/0 failed: the environment is ready\.$/m);
  });

  it("production's rules fail on the same database: no pooled DATABASE_URL, no backup, no recovery provider", async () => {
    const { code, check } = await doctor({ DIRECT_URL: directUrl, APP_ENV: "production" });
    expect(code).toBe(1);
    expect(check("DATABASE_URL pooled").status).toBe("fail");
    expect(check("recent backup").status).toBe("fail");
    expect(check("PITR window").status).toBe("fail");
  });
});

describe("fails", () => {
  it("on a pooled DIRECT_URL (Neon -pooler), naming the direct host, and skips what needs the database", async () => {
    const { code, report, check, failed, text } = await doctor({ DIRECT_URL: NEON_POOLED });
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(failed).toContain("DIRECT_URL direct");
    expect(check("DIRECT_URL direct").advice).toContain("ep-quiet-cloud-000000.us-east-2.aws.neon.tech.invalid, the same host without -pooler");
    expect(check("sslmode").status).toBe("pass");
    expect(check("none pending")).toMatchObject({ status: "warn", advice: expect.stringMatching(/^not checked: DIRECT_URL is pooled/) });
    expect(text).toMatch(/FAIL\s+DIRECT_URL direct/);
  });

  it("on a hosted Accelerate DATABASE_URL, saying it was retired and what to use instead; the rest is checked through DIRECT_URL", async () => {
    const { code, check, failed } = await doctor({ DATABASE_URL: HOSTED_ACCELERATE, DIRECT_URL: directUrl });
    expect(code).toBe(1);
    expect(failed.sort()).toEqual(["DATABASE_URL pooled", "hosted Accelerate"]);
    const advice = check("hosted Accelerate").advice;
    expect(advice).toContain("retired on 2026-12-01");
    expect(advice).toMatch(/Neon's pooled URL.*Hyperdrive.*pooled\.db\.prisma\.io/);
    expect(check("none pending").status).toBe("pass");
  });

  it("on a missing rollback script, naming the migration", async () => {
    const copy = migrationsCopy();
    const victim = copy.names.at(-1) as string;
    rmSync(join(copy.rollbackDir, victim), { recursive: true });
    const { code, check, failed } = await doctor({ DIRECT_URL: directUrl }, copy.flags);
    expect(code).toBe(1);
    expect(failed).toEqual(["rollback scripts"]);
    expect(check("rollback scripts")).toMatchObject({ detail: { missing: [victim] } });
    expect(check("rollback scripts").advice).toContain(victim);
  });

  it("on an applied migration edited since, naming it", async () => {
    const copy = migrationsCopy();
    const victim = copy.names[0] as string;
    appendFileSync(join(copy.migrationsDir, victim, "migration.sql"), "\n-- edited after it was applied\n");
    const { code, failed, check } = await doctor({ DIRECT_URL: directUrl }, copy.flags);
    expect(code).toBe(1);
    expect(failed).toEqual(["no applied file edited"]);
    expect(check("no applied file edited")).toMatchObject({ detail: { edited: [victim] } });
  });

  it("on a database that accepts connections and never answers, within its time limits", async () => {
    const port = await freePort();
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent?.listen(port, "127.0.0.1", resolve));
    const { code, check } = await doctor({ DIRECT_URL: `postgresql://someone:${PASSWORD}@127.0.0.1:${port}/app` });
    expect(code).toBe(1);
    expect(check("reachable")).toMatchObject({ status: "fail", advice: expect.stringMatching(/DIRECT_URL did not answer/) });
    expect(check("none pending").status).toBe("fail");
  });
});

it("a check that never finishes fails on its time limit instead of hanging the doctor", async () => {
  const facts = gatherFacts({ env: { ...isolated, DIRECT_URL: directUrl }, cwd: REPO_ROOT, migrationsDir: "prisma/migrations", rollbackDir: "migrations-rollback", target: { url: directUrl, source: "DIRECT_URL" } });
  const stuck = { group: "monitoring" as const, name: "stuck", run: () => new Promise<never>(() => {}) };
  const report = await runDoctor(facts, { checks: [stuck, ...DOCTOR_CHECKS.filter((c) => c.name === "rollback scripts")], timeoutMs: 200 });
  expect(report.ok).toBe(false);
  expect(report.checks).toEqual([
    { group: "monitoring", name: "stuck", status: "fail", advice: "did not finish within 0.2 s: the database or a provider is not answering." },
    expect.objectContaining({ name: "rollback scripts", status: "pass" }),
  ]);
});


// Last: it writes the database's job history, which the passing case above reads as empty.
it("a failed recovery drill in JobRun fails the drill check with its error; the jobs check warns in development", async () => {
  const at = new Date(Date.now() - 60_000);
  await withConnection(adminUrl, (db) =>
    insertFinishedRun(db, { id: randomBytes(8).toString("hex"), job: "recovery-drill", trigger: "cli", startedAt: at, finishedAt: at, outcome: "failed", rows: null, error: "the restored branch had 3 users, the live database 4.", detail: null }),
  );
  const { code, check, failed } = await doctor({ DIRECT_URL: directUrl });
  expect(code).toBe(1);
  expect(failed).toEqual(["last drill passed"]);
  expect(check("last drill passed").advice).toContain("failed: the restored branch had 3 users, the live database 4.");
  expect(check("jobs on schedule")).toMatchObject({ status: "warn", advice: expect.stringContaining("the last run of recovery-drill failed") });
});
