import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployMigrations, MigrationError } from "../../src/ops/migrations/deploy.ts";
import { migrationStatus } from "../../src/ops/migrations/status.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { runDbctl } from "../cli/run-dbctl.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { tempProject } from "./rollback-folder.ts";

const M1 = "20260101000000_create_widgets_table";
const M2 = "20260102000000_add_widget_color_column";
const M3 = "20260103000000_add_widget_size_column_broken";

const project = tempProject();
project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);\nINSERT INTO "Widget" VALUES ('w1'), ('w2');`, `DROP TABLE "Widget";`);
project.add(M2, `ALTER TABLE "Widget" ADD COLUMN "color" TEXT;`, `ALTER TABLE "Widget" DROP COLUMN "color";`);

async function database(): Promise<{ url: string; db: Connection }> {
  const { url } = await createTestDatabase({ empty: true });
  return { url, db: await openConnection(url) };
}

/** A second session that holds an ACCESS EXCLUSIVE lock on Widget until released. */
async function holdLock(url: string) {
  const blocker = await connect(url);
  await blocker.query("BEGIN");
  await blocker.query(`LOCK TABLE "Widget" IN ACCESS EXCLUSIVE MODE`);
  return { release: async () => (await blocker.query("COMMIT"), await blocker.close()) };
}

const columns = async (db: Connection) =>
  (await db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'Widget' ORDER BY ordinal_position`)).rows.map((r) => r.c);

const timedOut = await database();
const retried = await database();
const backedUp = await database();

describe("lock timeout and bounded retry", () => {
  it("gives up after the retries when the lock never comes: rolled back, failed row, schema as before", async () => {
    const { db, url } = timedOut;
    await deployMigrations(db, project.files().slice(0, 1));
    const lock = await holdLock(url);
    const logs: string[] = [];
    const error = await deployMigrations(db, project.files(), { lockTimeoutMs: 100, lockRetries: 2, retryDelayMs: 10, log: (l) => logs.push(l) }).catch((e: unknown) => e);
    await lock.release();
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "LOCK_TIMEOUT", details: { migration: M2 } });
    expect(logs.filter((l) => l.includes("Retry"))).toHaveLength(2);
    expect(await columns(db)).toEqual(["id"]);
    const status = await migrationStatus(db, project.files());
    expect(status.failed).toEqual([expect.objectContaining({ name: M2, logs: expect.stringContaining("55P03") })]);
  });

  it("succeeds on a retry once the blocking session lets go", async () => {
    const { db, url } = retried;
    await deployMigrations(db, project.files().slice(0, 1));
    const lock = await holdLock(url);
    const logs: string[] = [];
    const deploy = deployMigrations(db, project.files(), {
      lockTimeoutMs: 100,
      lockRetries: 10,
      retryDelayMs: 20,
      log: (line) => {
        logs.push(line);
        // Let go as soon as the first attempt has timed out.
        if (line.includes("Retry 1 ")) void lock.release();
      },
    });
    expect((await deploy).applied).toEqual([M2]);
    expect(logs.some((l) => l.includes("Retry 1 "))).toBe(true);
    expect(await columns(db)).toEqual(["id", "color"]);
    expect((await migrationStatus(db, project.files())).upToDate).toBe(true);
  });
});

describe("pre-migration backup (dbctl migrate deploy --backup)", () => {
  it("dumps before migrating, prints the restore command, and a failing migration leaves the schema untouched and the backup on disk", async () => {
    const { db, url } = backedUp;
    await deployMigrations(db, project.files().slice(0, 1));
    const broken = tempProject();
    broken.add(M1, project.files()[0]!.sql, "DROP TABLE \"Widget\";");
    broken.add(M2, project.files()[1]!.sql, "SELECT 1;");
    broken.add(M3, `ALTER TABLE "Widget" ADD COLUMN "size" INTEGER;\nUPDATE "Widget" SET "size" = 'large';`, "SELECT 1;");
    const backupDir = mkdtempSync(join(tmpdir(), "backups-"));

    const run = await runDbctl(["migrate", "deploy", "--backup", "--backup-dir", backupDir, "--migrations-dir", broken.migrationsDir], { DIRECT_URL: url });
    expect(run.code).toBe(1);
    const [dump] = readdirSync(backupDir);
    expect(dump).toMatch(/^pre_migration_\d{8}_\d{6}\.dump$/);
    expect(run.stdout).toContain(`Backup created: ${join(backupDir, dump as string)}`);
    expect(run.stdout).toContain(`pg_restore -v -c -d "$DIRECT_URL" ${join(backupDir, dump as string)}`);
    expect(run.stderr).toContain(M3);

    // M2 went in, M3 failed and left nothing half-done.
    expect(await columns(db)).toEqual(["id", "color"]);
    const status = await migrationStatus(db, broken.files());
    expect(status.failed.map((f) => f.name)).toEqual([M3]);

    // The dump is a real custom-format archive of the state before M2.
    const listing = execFileSync("pg_restore", ["--list", join(backupDir, dump as string)], { encoding: "utf8" });
    expect(listing).toContain("TABLE public Widget");
    expect(listing).toContain("TABLE DATA public Widget");
    expect(run.stdout + run.stderr).not.toContain("postgres:postgres@");
  });

  it("is on by default with APP_ENV=production, and --skip-backup turns it off", async () => {
    const { url } = await createTestDatabase({ empty: true });
    const dir = mkdtempSync(join(tmpdir(), "backups-"));
    const onlyFirst = tempProject();
    onlyFirst.add(M1, project.files()[0]!.sql, `DROP TABLE "Widget";`);
    const skipped = await runDbctl(["migrate", "deploy", "--skip-backup", "--backup-dir", dir, "--migrations-dir", onlyFirst.migrationsDir], { DIRECT_URL: url, APP_ENV: "production" });
    expect(skipped.code).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    const prod = await runDbctl(["migrate", "deploy", "--backup-dir", dir, "--migrations-dir", project.migrationsDir], { DIRECT_URL: url, APP_ENV: "production" });
    expect(prod.code).toBe(0);
    expect(readdirSync(dir)).toHaveLength(1);
    // Nothing pending: no backup needed, none taken.
    const nothing = await runDbctl(["migrate", "deploy", "--backup-dir", dir, "--migrations-dir", project.migrationsDir], { DIRECT_URL: url, APP_ENV: "production" });
    expect(nothing.stdout).toContain("No pending migrations to apply.");
    expect(readdirSync(dir)).toHaveLength(1);
    expect(existsSync(join(dir, readdirSync(dir)[0] as string))).toBe(true);
  });
});

describe("lint gate", () => {
  const unsafe = tempProject();
  unsafe.add(M1, project.files()[0]!.sql, `DROP TABLE "Widget";`);
  unsafe.add(M2, `ALTER TABLE "Widget" ADD COLUMN "color" TEXT;\nCREATE INDEX "Widget_color_idx" ON "Widget"("color");`, `DROP INDEX "Widget_color_idx";\nALTER TABLE "Widget" DROP COLUMN "color";`);

  it("refuses pending migrations with lint errors, applying nothing and taking no backup", async () => {
    const { url, db } = await database();
    await deployMigrations(db, unsafe.files().slice(0, 1));
    const dir = mkdtempSync(join(tmpdir(), "backups-"));
    const run = await runDbctl(["migrate", "deploy", "--backup", "--backup-dir", dir, "--migrations-dir", unsafe.migrationsDir], { DIRECT_URL: url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("create-index-without-concurrently");
    expect(run.stderr).toMatch(/Refusing to deploy: 1 lint error in pending migrations \(first: create-index-without-concurrently in 20260102000000_add_widget_color_column\); nothing was applied/);
    expect(await columns(db)).toEqual(["id"]);
    expect((await migrationStatus(db, unsafe.files())).pending).toEqual([M2]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("--allow-unsafe deploys anyway and keeps the reason in the migration's row", async () => {
    const { url, db } = await database();
    await deployMigrations(db, unsafe.files().slice(0, 1));
    const reason = "table has 12 rows, lock is brief";
    const run = await runDbctl(["migrate", "deploy", "--allow-unsafe", reason, "--migrations-dir", unsafe.migrationsDir], { DIRECT_URL: url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`--allow-unsafe: ${reason}`);
    const { rows } = await db.query<{ logs: string | null }>(`SELECT logs FROM "_prisma_migrations" WHERE migration_name = $1`, [M2]);
    expect(rows[0]?.logs).toContain(reason);
    expect((await migrationStatus(db, unsafe.files())).upToDate).toBe(true);
  });
});

describe("statements that cannot run in a transaction", () => {
  const concurrent = tempProject();
  concurrent.add(M1, project.files()[0]!.sql, `DROP TABLE "Widget";`);
  concurrent.add(M2, `ALTER TABLE "Widget" ADD COLUMN "color" TEXT;`, `ALTER TABLE "Widget" DROP COLUMN "color";`);
  concurrent.add("20260103000000_index_widget_color", `CREATE INDEX CONCURRENTLY "Widget_color_idx" ON "Widget"("color");`, `DROP INDEX CONCURRENTLY "Widget_color_idx";`);

  const indexState = async (db: Connection) =>
    (await db.query<{ valid: boolean }>(`SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'Widget_color_idx'`)).rows;

  it("CREATE INDEX CONCURRENTLY runs outside a transaction, recorded as a finished migration", async () => {
    const { db } = await database();
    const logs: string[] = [];
    const result = await deployMigrations(db, concurrent.files(), { log: (l) => logs.push(l) });
    expect(result.applied).toHaveLength(3);
    expect(logs.some((l) => l.includes("runs outside a transaction (CREATE INDEX CONCURRENTLY cannot run inside a transaction)"))).toBe(true);
    expect(await indexState(db)).toEqual([{ valid: true }]);
    const { rows } = await db.query<{ applied_steps_count: number; finished_at: Date | null }>(
      `SELECT applied_steps_count, finished_at FROM "_prisma_migrations" WHERE migration_name = '20260103000000_index_widget_color'`,
    );
    expect(rows[0]?.applied_steps_count).toBe(1);
    expect(rows[0]?.finished_at).toBeInstanceOf(Date);

    // Its rollback (DROP INDEX CONCURRENTLY) also runs outside a transaction, and verify round-trips it.
    const { rollbackMigrations } = await import("../../src/ops/migrations/rollback.ts");
    expect((await rollbackMigrations(db, concurrent.files(), { rollbackDir: concurrent.rollbackDir })).rolledBack).toEqual(["20260103000000_index_widget_color"]);
    expect(await indexState(db)).toEqual([]);
    const { verifyMigrations } = await import("../../src/ops/migrations/verify.ts");
    const verified = await verifyMigrations((await createTestDatabase({ empty: true })).url, concurrent.files(), { rollbackDir: concurrent.rollbackDir });
    expect(verified.failure).toBeUndefined();
    expect(verified.ok).toBe(true);
  });

  it("records honestly how far a statement-by-statement migration got when it fails", async () => {
    const { db } = await database();
    const failing = tempProject();
    failing.add(M1, project.files()[0]!.sql, `DROP TABLE "Widget";`);
    failing.add(
      "20260102000000_index_widget_twice",
      `CREATE INDEX CONCURRENTLY "Widget_id_idx" ON "Widget"("id");\nCREATE INDEX CONCURRENTLY "Widget_nope_idx" ON "Widget"("nope");`,
      "SELECT 1;",
    );
    const error = await deployMigrations(db, failing.files()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MIGRATION_FAILED", details: { migration: "20260102000000_index_widget_twice" } });
    expect((error as Error).message).toContain("failed at statement 2 of 2");
    const { rows } = await db.query<{ applied_steps_count: number; finished_at: Date | null; logs: string }>(
      `SELECT applied_steps_count, finished_at, logs FROM "_prisma_migrations" WHERE migration_name = '20260102000000_index_widget_twice'`,
    );
    expect(rows[0]).toMatchObject({ applied_steps_count: 1, finished_at: null });
    expect(rows[0]?.logs).toContain(`Failed at statement 2 of 2: CREATE INDEX CONCURRENTLY "Widget_nope_idx"`);
    // The first statement's work stays, as the message says.
    expect((await db.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'Widget_id_idx'`)).rows).toHaveLength(1);
    expect((await migrationStatus(db, failing.files())).failed.map((f) => f.name)).toEqual(["20260102000000_index_widget_twice"]);
  });
});
