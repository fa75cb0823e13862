import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN_LOGIN, DEMO_LOGIN } from "../../prisma/seeds/dev.ts";
import { seedDatabase, SeedError, type SeedKind } from "../../prisma/seeds/index.ts";
import { verifyPassword } from "../../src/auth/crypto.ts";
import { createDb, type Db } from "../../src/db/client.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { createTestDatabase } from "../support/database.ts";

// Few iterations: the seeds' speed is not under test, and 100k PBKDF2 rounds per hash add up.
const ITERATIONS = 1_000;
const NOW = new Date("2026-06-01T12:00:00.000Z");
const TABLES = ["User", "Session", "Project", "Note", "ErrorLog", "PerformanceMetric"] as const;

interface Target {
  url: string;
  db: Db;
  sql: Connection;
}

async function migratedDatabase(): Promise<Target> {
  const { url } = await createTestDatabase();
  const db = createDb(PrismaClient, { url, poolMax: 2 });
  const sql = await connect(url);
  afterAll(async () => {
    await db.$disconnect();
    await sql.close();
  });
  return { url, db, sql };
}

/** Rows per table, read with plain SQL so soft-deleted rows count too. */
async function rowCounts(sql: Connection): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]?.n);
  return counts;
}

const one = async <T extends object>(sql: Connection, query: string, params: unknown[] = []) => (await sql.query<T>(query, params)).rows[0] as T;

const seed = (target: Target, kind: SeedKind, extra: { adminEmail?: string; adminPassword?: string } = {}) =>
  seedDatabase(target.db, kind, { iterations: ITERATIONS, now: NOW, ...extra });

const dev = await migratedDatabase();
const devTwin = await migratedDatabase();
const staging = await migratedDatabase();
const prod = await migratedDatabase();

describe("dev seed", () => {
  it("gives the same row counts when run twice, inserting nothing the second time", async () => {
    const first = await seed(dev, "dev");
    const afterFirst = await rowCounts(dev.sql);
    const second = await seed(dev, "dev");
    expect(await rowCounts(dev.sql)).toEqual(afterFirst);
    expect(second).toEqual({ users: 0, projects: 0, notes: 0, errorLogs: 0, performanceMetrics: 0 });
    expect(first.notes).toBeGreaterThanOrEqual(200);
    expect(afterFirst).toMatchObject({ User: first.users, Note: first.notes, ErrorLog: first.errorLogs, PerformanceMetric: first.performanceMetrics });
  });

  it("contains the admin and the demo user, whose published passwords work", async () => {
    const admin = await one<{ role: string; passwordHash: string }>(dev.sql, `SELECT role, "passwordHash" FROM "User" WHERE email = $1`, [ADMIN_LOGIN.email]);
    const demo = await one<{ role: string; passwordHash: string }>(dev.sql, `SELECT role, "passwordHash" FROM "User" WHERE email = $1`, [DEMO_LOGIN.email]);
    expect(admin.role).toBe("ADMIN");
    expect(demo.role).toBe("USER");
    expect(await verifyPassword(ADMIN_LOGIN.password, admin.passwordHash)).toBe(true);
    expect(await verifyPassword(DEMO_LOGIN.password, demo.passwordHash)).toBe(true);
    expect(DEMO_LOGIN).toEqual({ email: "demo@example.com", password: "demo-password-123" });
  });

  it("salts every user's hash on its own, even where seeded users share a password", async () => {
    const hashes = await one<{ users: number; distinct: number }>(dev.sql, `SELECT count(*)::int AS users, count(DISTINCT "passwordHash")::int AS distinct FROM "User"`);
    expect(hashes.users).toBeGreaterThan(2);
    expect(hashes.distinct).toBe(hashes.users);
  });

  it("has pinned and soft-deleted notes, hidden from normal reads, and gives the demo user a full list", async () => {
    const notes = await one<{ trash: number; pinned: number; demo: number }>(
      dev.sql,
      `SELECT count(*) FILTER (WHERE "deletedAt" IS NOT NULL)::int AS trash,
              count(*) FILTER (WHERE pinned AND "deletedAt" IS NULL)::int AS pinned,
              count(*) FILTER (WHERE "userId" = (SELECT id FROM "User" WHERE email = $1))::int AS demo
         FROM "Note"`,
      [DEMO_LOGIN.email],
    );
    expect(notes.trash).toBeGreaterThan(0);
    expect(notes.pinned).toBeGreaterThan(0);
    expect(notes.demo).toBeGreaterThanOrEqual(50);
    const total = (await rowCounts(dev.sql)).Note as number;
    expect(await dev.db.note.count()).toBe(total - notes.trash);
  });

  it("has error logs resolved and open, recent and old, and metrics", async () => {
    const logs = await one<{ resolved: number; open: number; old: number }>(
      dev.sql,
      `SELECT count(*) FILTER (WHERE resolved AND "resolvedAt" IS NOT NULL)::int AS resolved,
              count(*) FILTER (WHERE NOT resolved AND "resolvedAt" IS NULL)::int AS open,
              count(*) FILTER (WHERE timestamp < $1::timestamptz - interval '90 days')::int AS old
         FROM "ErrorLog"`,
      [NOW],
    );
    expect(logs.resolved).toBeGreaterThan(0);
    expect(logs.open).toBeGreaterThan(0);
    expect(logs.old).toBeGreaterThan(0);
    expect((await rowCounts(dev.sql)).PerformanceMetric).toBeGreaterThan(100);
  });

  it("is deterministic: another database gets exactly the same rows", async () => {
    await seed(devTwin, "dev");
    const snapshot = async (sql: Connection) =>
      (await sql.query(`SELECT id, "userId", "projectId", title, content, pinned, "deletedAt", "createdAt" FROM "Note" ORDER BY id`)).rows;
    expect(await snapshot(devTwin.sql)).toEqual(await snapshot(dev.sql));
  });
});

describe("staging seed", () => {
  it("is moderate and idempotent", async () => {
    await seed(staging, "staging", { adminEmail: "ops@example.com", adminPassword: "staging-admin-password" });
    const first = await rowCounts(staging.sql);
    await seed(staging, "staging", { adminEmail: "ops@example.com", adminPassword: "staging-admin-password" });
    expect(await rowCounts(staging.sql)).toEqual(first);
    expect(first.Note).toBeGreaterThan(0);
    expect(first.Note).toBeLessThan((await rowCounts(dev.sql)).Note as number);
    expect(await one(staging.sql, `SELECT role FROM "User" WHERE email = 'ops@example.com'`)).toEqual({ role: "ADMIN" });
  });
});

describe("prod seed", () => {
  it("refuses to run without SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD, changing nothing", async () => {
    const error = await seed(prod, "prod").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeedError);
    expect((error as Error).message).toContain("SEED_ADMIN_EMAIL");
    expect((error as Error).message).toContain("SEED_ADMIN_PASSWORD");
    expect(await rowCounts(prod.sql)).toEqual({ User: 0, Session: 0, Project: 0, Note: 0, ErrorLog: 0, PerformanceMetric: 0 });
  });

  it("creates exactly one admin and nothing else, however often it runs", async () => {
    const credentials = { adminEmail: "Owner@Example.com", adminPassword: "a-long-prod-password" };
    await seed(prod, "prod", credentials);
    await seed(prod, "prod", credentials);
    expect(await rowCounts(prod.sql)).toEqual({ User: 1, Session: 0, Project: 0, Note: 0, ErrorLog: 0, PerformanceMetric: 0 });
    const admin = await one<{ email: string; role: string; passwordHash: string }>(prod.sql, `SELECT email, role, "passwordHash" FROM "User"`);
    expect(admin).toMatchObject({ email: "owner@example.com", role: "ADMIN" });
    expect(await verifyPassword("a-long-prod-password", admin.passwordHash)).toBe(true);
  });
});

describe("tsx prisma/seeds/index.ts", () => {
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "prisma/seeds/index.ts", ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });

  it("rejects an unknown environment with its usage", async () => {
    const result = await run(["production"], { DATABASE_URL: prod.url });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("Usage: tsx prisma/seeds/index.ts dev|staging|prod (one argument, the environment to seed).");
  });

  it("fails the prod seed with one clear sentence when the admin variables are unset", async () => {
    const result = await run(["prod"], { DATABASE_URL: prod.url });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).not.toContain("\n");
    expect(result.stderr).toContain("SEED_ADMIN_EMAIL");
  });
});
