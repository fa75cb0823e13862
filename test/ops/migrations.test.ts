import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployMigrations, MigrationError } from "../../src/ops/migrations/deploy.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { MIGRATE_LOCK_KEY } from "../../src/ops/migrations/history.ts";
import { migrationStatus } from "../../src/ops/migrations/status.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { createTestDatabase } from "../support/database.ts";
import { migrationFolder } from "./migration-folder.ts";

// Databases are created at module level: vitest runs an afterAll registered here (the drop),
// which it does not reliably do for one registered inside beforeAll.
const REAL_DIR = "prisma/migrations";
const INITIAL = "20261125083000_create_initial_schema";
// Every migration of the project, in order: the tests below hold for any number of them.
const ALL = readMigrations(REAL_DIR).map((m) => m.name);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function emptyDatabase(): Promise<{ url: string; db: Connection }> {
  const { url } = await createTestDatabase({ empty: true });
  const db = await connect(url);
  afterAll(() => db.close());
  return { url, db };
}

const tableExists = async (db: Connection, name: string) =>
  (await db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`"${name}"`])).rows[0]?.t != null;

const historyRows = async (db: Connection, name?: string) =>
  (
    await db.query<Record<string, unknown>>(
      `SELECT * FROM "_prisma_migrations" ${name ? "WHERE migration_name = $1" : ""} ORDER BY started_at, migration_name`,
      name ? [name] : [],
    )
  ).rows;

const fresh = await emptyDatabase();
const edited = await emptyDatabase();
const failing = await emptyDatabase();
const rolledBack = await emptyDatabase();
const racing = await emptyDatabase();

describe("deploy of the real migrations on an empty database", () => {
  const files = readMigrations(REAL_DIR);

  it("reports every migration pending before the first deploy, without creating the history table", async () => {
    const status = await migrationStatus(fresh.db, files);
    expect(status.pending).toEqual(ALL);
    expect(status.applied).toEqual([]);
    expect(status.upToDate).toBe(false);
    expect(await tableExists(fresh.db, "_prisma_migrations")).toBe(false);
  });

  it("creates the schema's tables and enums", async () => {
    const result = await deployMigrations(fresh.db, files);
    expect(result.applied).toEqual(ALL);
    const { rows } = await fresh.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(["ErrorLog", "JobLease", "JobRun", "MaintenanceMode", "Note", "PerformanceMetric", "Project", "Session", "User", "_prisma_migrations"]);
    const enums = await fresh.db.query<{ typname: string }>(`SELECT typname FROM pg_type WHERE typtype = 'e' ORDER BY typname`);
    expect(enums.rows.map((r) => r.typname)).toEqual(["JobOutcome", "LogLevel", "ProjectStatus", "Role"]);
  });

  it("creates _prisma_migrations with exactly Prisma's columns", async () => {
    const { rows } = await fresh.db.query(
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(rows).toEqual([
      { column_name: "id", data_type: "character varying", len: 36, is_nullable: "NO", column_default: null },
      { column_name: "checksum", data_type: "character varying", len: 64, is_nullable: "NO", column_default: null },
      { column_name: "finished_at", data_type: "timestamp with time zone", len: null, is_nullable: "YES", column_default: null },
      { column_name: "migration_name", data_type: "character varying", len: 255, is_nullable: "NO", column_default: null },
      { column_name: "logs", data_type: "text", len: null, is_nullable: "YES", column_default: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", len: null, is_nullable: "YES", column_default: null },
      { column_name: "started_at", data_type: "timestamp with time zone", len: null, is_nullable: "NO", column_default: "now()" },
      { column_name: "applied_steps_count", data_type: "integer", len: null, is_nullable: "NO", column_default: "0" },
    ]);
  });

  it("writes the history row as Prisma does: uuid v4 id, sha256 of the file bytes, one step, finished", async () => {
    const rows = await historyRows(fresh.db);
    expect(rows.map((r) => r.migration_name)).toEqual(ALL);
    const row = rows.find((r) => r.migration_name === INITIAL) as Record<string, unknown>;
    const bytes = readFileSync(join(REAL_DIR, INITIAL, "migration.sql"));
    expect(row.migration_name).toBe(INITIAL);
    expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(row.id).toMatch(UUID_V4);
    expect(row.applied_steps_count).toBe(1);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect((row.finished_at as Date).getTime()).toBeGreaterThanOrEqual((row.started_at as Date).getTime());
    expect(row.logs).toBeNull();
    expect(row.rolled_back_at).toBeNull();
  });

  it("applies nothing when run again, and reports the database up to date", async () => {
    const result = await deployMigrations(fresh.db, files);
    expect(result.applied).toEqual([]);
    expect(await historyRows(fresh.db)).toHaveLength(ALL.length);
    const status = await migrationStatus(fresh.db, files);
    expect(status).toMatchObject({ pending: [], failed: [], modified: [], missingLocally: [], upToDate: true });
    expect(status.applied.map((m) => m.name)).toEqual(ALL);
  });
});

describe("a migration file edited after it was applied", () => {
  const folder = migrationFolder();
  const name = "20260101000000_create_widget";

  it("is reported as modified (checksum mismatch) and never run again", async () => {
    const original = folder.write(name, `CREATE TABLE "widget" (id int);\n`);
    await deployMigrations(edited.db, readMigrations(folder.dir));
    const appliedChecksum = createHash("sha256").update(readFileSync(original)).digest("hex");

    folder.write(name, `CREATE TABLE "widget" (id int, label text);\n`);
    const files = readMigrations(folder.dir);
    const status = await migrationStatus(edited.db, files);
    expect(status.modified).toEqual([{ name, appliedChecksum, fileChecksum: files[0]?.checksum }]);
    expect(status.pending).toEqual([]);

    const warnings: string[] = [];
    const result = await deployMigrations(edited.db, files, { log: (line) => warnings.push(line) });
    expect(result.applied).toEqual([]);
    expect(warnings.join("\n")).toContain(`${name} was changed after it was applied`);
    expect(await historyRows(edited.db, name)).toHaveLength(1);
  });
});

describe("a failing migration", () => {
  const folder = migrationFolder();
  const ok = "20260101000000_create_first";
  const bad = "20260102000000_create_half";
  const later = "20260103000000_create_later";
  folder.write(ok, `CREATE TABLE "first" (id int);\n`);
  // The first statement succeeds, the second fails: nothing of the migration may remain.
  folder.write(bad, `CREATE TABLE "half" (id int);\nINSERT INTO "no_such_table" VALUES (1);\n`);

  it("fails with MIGRATION_FAILED and leaves no half-applied schema", async () => {
    const error = await deployMigrations(failing.db, readMigrations(folder.dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "MIGRATION_FAILED", details: { migration: bad } });
    expect(await tableExists(failing.db, "first")).toBe(true);
    expect(await tableExists(failing.db, "half")).toBe(false);
  });

  it("records the failure like Prisma: finished_at NULL, no steps, the error in logs", async () => {
    const [row] = await historyRows(failing.db, bad);
    expect(row).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(row?.logs).toContain(`relation "no_such_table" does not exist`);
    const status = await migrationStatus(failing.db, readMigrations(folder.dir));
    expect(status.failed.map((m) => m.name)).toEqual([bad]);
    expect(status.pending).toEqual([]);
    expect(status.upToDate).toBe(false);
  });

  it("blocks the next deploy with FAILED_MIGRATIONS naming it, applying nothing after it", async () => {
    folder.write(later, `CREATE TABLE "later" (id int);\n`);
    const error = await deployMigrations(failing.db, readMigrations(folder.dir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "FAILED_MIGRATIONS", details: { migration: bad } });
    expect((error as Error).message).toContain(bad);
    expect(await tableExists(failing.db, "later")).toBe(false);
    expect(await historyRows(failing.db, later)).toEqual([]);
  });

  it("deploys again once the failed row is marked rolled back and the file is fixed", async () => {
    // What `prisma migrate resolve --rolled-back <name>` writes.
    await failing.db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [bad]);
    folder.write(bad, `CREATE TABLE "half" (id int);\n`);
    const result = await deployMigrations(failing.db, readMigrations(folder.dir));
    expect(result.applied).toEqual([bad, later]);
    expect(await tableExists(failing.db, "half")).toBe(true);
    const rows = await historyRows(failing.db, bad);
    expect(rows.map((r) => [r.rolled_back_at === null, r.finished_at === null])).toEqual([
      [false, true],
      [true, false],
    ]);
  });
});

describe("a migration whose row is marked rolled back", () => {
  const folder = migrationFolder();
  const name = "20260101000000_create_gadget";
  folder.write(name, `CREATE TABLE "gadget" (id int);\n`);

  it("counts as not applied: status shows it pending and deploy runs it again", async () => {
    const files = readMigrations(folder.dir);
    await deployMigrations(rolledBack.db, files);
    // A manual rollback: the rollback script ran, then the row was marked rolled back.
    await rolledBack.db.query(`DROP TABLE "gadget"`);
    await rolledBack.db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [name]);

    const status = await migrationStatus(rolledBack.db, files);
    expect(status.pending).toEqual([name]);
    expect(status.applied).toEqual([]);

    expect((await deployMigrations(rolledBack.db, files)).applied).toEqual([name]);
    expect(await tableExists(rolledBack.db, "gadget")).toBe(true);
    expect(await historyRows(rolledBack.db, name)).toHaveLength(2);
  });
});

describe("two deploys at the same time", () => {
  it("apply each migration once: the advisory lock serialises them, CREATE INDEX CONCURRENTLY included", async () => {
    const files = readMigrations(REAL_DIR);
    const first = await connect(racing.url);
    const second = await connect(racing.url);
    afterAll(async () => {
      await first.close();
      await second.close();
    });
    // Hold the lock so both deploys are provably waiting on it together before either starts.
    await racing.db.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_KEY})`);
    // allSettled right away: a deploy that fails early must surface here, not as an unhandled rejection.
    const settled = Promise.allSettled([deployMigrations(first, files), deployMigrations(second, files)]);
    await waitForLockWaiters(racing.db, 2);
    await racing.db.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_KEY})`);

    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    const applied = results.map((r) => (r.status === "fulfilled" ? r.value.applied : null));
    expect(applied.sort()).toEqual([[], ALL]);
    const rows = await historyRows(racing.db);
    expect(rows.map((r) => [r.migration_name, r.applied_steps_count])).toEqual(ALL.map((name) => [name, 1]));
  });
});

/** Waits (bounded) until `count` other sessions have asked for the migration lock and are waiting for it. */
async function waitForLockWaiters(db: Connection, count: number): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1`,
      [`%pg_try_advisory_lock(${MIGRATE_LOCK_KEY})%`],
    );
    if (rows[0]?.n === count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Expected ${count} deploys waiting on the migration lock; they never queued up.`);
}
