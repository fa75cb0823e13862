import { afterAll, describe, expect, it } from "vitest";
import { deployMigrations } from "../../src/ops/migrations/deploy.ts";
import { rollbackMigrations, RollbackError } from "../../src/ops/migrations/rollback.ts";
import { migrationStatus } from "../../src/ops/migrations/status.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { createTestDatabase } from "../support/database.ts";
import { tempProject } from "./rollback-folder.ts";

const M1 = "20260101000000_create_widgets_table";
const M2 = "20260102000000_add_widget_color_column";
const M3 = "20260103000000_add_widget_size_column";

const project = tempProject();
project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `DROP TABLE "Widget";`);
project.add(
  M2,
  `ALTER TABLE "Widget" ADD COLUMN "color" TEXT;\nCREATE INDEX "Widget_color_idx" ON "Widget"("color");`,
  `DROP INDEX "Widget_color_idx";\nALTER TABLE "Widget" DROP COLUMN "color";`,
);
project.add(M3, `ALTER TABLE "Widget" ADD COLUMN "size" INTEGER;`, `ALTER TABLE "Widget" DROP COLUMN "size";`);

async function database(): Promise<Connection> {
  const { url } = await createTestDatabase({ empty: true });
  const db = await connect(url);
  afterAll(() => db.close());
  await deployMigrations(db, project.files());
  return db;
}

const columns = async (db: Connection) =>
  (await db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'Widget' ORDER BY ordinal_position`)).rows.map((r) => r.c);
const history = async (db: Connection) =>
  (await db.query<{ migration_name: string; rolled_back_at: Date | null; finished_at: Date | null }>(`SELECT migration_name, rolled_back_at, finished_at FROM "_prisma_migrations" ORDER BY started_at, migration_name`)).rows;
const options = { rollbackDir: project.rollbackDir };

const roundTrip = await database();
const toTarget = await database();
const refusals = await database();
const dryRun = await database();
const brokenScript = await database();

describe("migrate rollback", () => {
  it("undoes the newest migration, keeps its row marked rolled back, and a deploy applies it again", async () => {
    const db = roundTrip;
    const result = await rollbackMigrations(db, project.files(), options);
    expect(result.rolledBack).toEqual([M3]);
    expect(await columns(db)).toEqual(["id", "color"]);
    const rows = await history(db);
    expect(rows.find((r) => r.migration_name === M3)?.rolled_back_at).toBeInstanceOf(Date);
    const status = await migrationStatus(db, project.files());
    expect(status.pending).toEqual([M3]);
    expect(status.failed).toEqual([]);

    expect((await deployMigrations(db, project.files())).applied).toEqual([M3]);
    expect(await columns(db)).toEqual(["id", "color", "size"]);
    // Prisma keeps the rolled-back row for the audit trail and adds a new one on re-apply.
    expect((await history(db)).filter((r) => r.migration_name === M3)).toHaveLength(2);
    expect((await migrationStatus(db, project.files())).upToDate).toBe(true);
  });

  it("--steps undoes that many, newest first", async () => {
    const db = roundTrip;
    const result = await rollbackMigrations(db, project.files(), { ...options, steps: 2 });
    expect(result.rolledBack).toEqual([M3, M2]);
    expect(await columns(db)).toEqual(["id"]);
    const indexes = await db.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'Widget_color_idx'`);
    expect(indexes.rows).toEqual([]);
    expect((await deployMigrations(db, project.files())).applied).toEqual([M2, M3]);
  });

  it("--to undoes everything newer than the named migration, which stays applied", async () => {
    const result = await rollbackMigrations(toTarget, project.files(), { ...options, to: M1 });
    expect(result.rolledBack).toEqual([M3, M2]);
    expect(await columns(toTarget)).toEqual(["id"]);
    expect((await migrationStatus(toTarget, project.files())).pending).toEqual([M2, M3]);
  });

  describe("refuses, changing nothing", () => {
    const unchanged = async () => {
      expect(await columns(refusals)).toEqual(["id", "color", "size"]);
      expect((await history(refusals)).every((r) => r.rolled_back_at === null)).toBe(true);
    };

    it("when more steps are asked than are applied", async () => {
      await expect(rollbackMigrations(refusals, project.files(), { ...options, steps: 4 })).rejects.toMatchObject({ code: "NOT_APPLIED" });
      await unchanged();
    });

    it("when --to names a migration that is not applied", async () => {
      await expect(rollbackMigrations(refusals, project.files(), { ...options, to: "20990101000000_future" })).rejects.toMatchObject({ code: "NOT_APPLIED" });
      await expect(rollbackMigrations(refusals, project.files(), { ...options, to: M3 })).rejects.toMatchObject({ code: "NOTHING_TO_ROLL_BACK" });
      await unchanged();
    });

    it("when any migration of the plan has no rollback.sql, even if the others do", async () => {
      const other = tempProject();
      other.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`);
      other.add(M2, "SELECT 1;", "SELECT 1;");
      other.add(M3, "SELECT 1;", "SELECT 1;");
      const error = await rollbackMigrations(refusals, other.files(), { rollbackDir: other.rollbackDir, steps: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RollbackError);
      expect(error).toMatchObject({ code: "MISSING_ROLLBACK" });
      expect((error as Error).message).toContain(M1);
      await unchanged();
    });

    it("when a failed migration waits to be resolved", async () => {
      const { url } = await createTestDatabase({ empty: true });
      const db = await connect(url);
      const failing = tempProject();
      failing.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `DROP TABLE "Widget";`);
      failing.add(M2, `ALTER TABLE "Nope" ADD COLUMN "x" TEXT;`, `SELECT 1;`);
      await expect(deployMigrations(db, failing.files())).rejects.toThrow();
      await expect(rollbackMigrations(db, failing.files(), { rollbackDir: failing.rollbackDir })).rejects.toMatchObject({ code: "FAILED_MIGRATIONS" });
      await db.close();
    });
  });

  it("--dry-run returns the plan with its SQL and changes nothing", async () => {
    const result = await rollbackMigrations(dryRun, project.files(), { ...options, steps: 2, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.steps.map((s) => s.name)).toEqual([M3, M2]);
    expect(result.steps[1]?.sql).toContain(`DROP INDEX "Widget_color_idx"`);
    expect(result.rolledBack).toEqual([]);
    expect(await columns(dryRun)).toEqual(["id", "color", "size"]);
    expect((await migrationStatus(dryRun, project.files())).upToDate).toBe(true);
  });

  it("a rollback script that fails is undone whole and the migration stays applied", async () => {
    const broken = tempProject();
    broken.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `DROP TABLE "Widget";`);
    broken.add(M2, `ALTER TABLE "Widget" ADD COLUMN "color" TEXT;\nCREATE INDEX "Widget_color_idx" ON "Widget"("color");`, `DROP INDEX "Widget_color_idx";\nALTER TABLE "Widget" DROP COLUMN "colour";`);
    broken.add(M3, `ALTER TABLE "Widget" ADD COLUMN "size" INTEGER;`, `ALTER TABLE "Widget" DROP COLUMN "size";`);
    const error = await rollbackMigrations(brokenScript, broken.files(), { rollbackDir: broken.rollbackDir, steps: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ROLLBACK_FAILED", details: { rolledBack: [M3] } });
    expect((error as Error).message).toContain(M2);
    // M3 was undone (its own transaction); M2's half-run script left nothing behind.
    expect(await columns(brokenScript)).toEqual(["id", "color"]);
    expect((await brokenScript.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'Widget_color_idx'`)).rows).toHaveLength(1);
    expect((await migrationStatus(brokenScript, broken.files())).pending).toEqual([M3]);
  });
});
