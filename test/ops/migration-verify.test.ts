import { describe, expect, inject, it } from "vitest";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { missingRollbacks } from "../../src/ops/migrations/rollback-files.ts";
import { verifyMigrations } from "../../src/ops/migrations/verify.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { connect } from "../../src/ops/sql.ts";
import { createTestDatabase } from "../support/database.ts";
import { tempProject } from "./rollback-folder.ts";

const { url } = await createTestDatabase({ empty: true });
const M1 = "20260101000000_create_widgets_table";
const M2 = "20260102000000_add_widget_color_index";

const databaseExists = async (name: string) => {
  const admin = await connect(inject("pg").adminUrl);
  const { rows } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
  await admin.close();
  return rows.length > 0;
};

describe("the project's own migrations (CI runs this over every migration)", () => {
  const files = readMigrations("prisma/migrations");

  it("every migration has a rollback.sql and the guide's rollback checklist", () => {
    expect(missingRollbacks("migrations-rollback", files.map((f) => f.name))).toEqual([]);
    for (const file of files) expect(existsSync(join("migrations-rollback", file.name, "README.md")), file.name).toBe(true);
  });

  it("every migration round-trips: its rollback restores the schema exactly", async () => {
    const result = await verifyMigrations(url, files, { rollbackDir: "migrations-rollback" });
    expect(result.failure).toBeUndefined();
    expect(result).toEqual({ ok: true, scratchDatabase: expect.stringMatching(/^dbctl_verify_/), verified: files.map((f) => f.name) });
    // The scratch database is gone once verify returns.
    expect(await databaseExists(result.scratchDatabase as string)).toBe(false);
  });
});

describe("verify finds rollbacks that do not restore the schema", () => {
  it("names a rollback that forgets an index, with the difference", async () => {
    const project = tempProject();
    project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY, "color" TEXT);`, `DROP TABLE "Widget";`);
    project.add(M2, `CREATE INDEX "Widget_color_idx" ON "Widget"("color");\nALTER TABLE "Widget" ADD COLUMN "size" INTEGER NOT NULL DEFAULT 0;`, `ALTER TABLE "Widget" DROP COLUMN "size";`);
    const result = await verifyMigrations(url, project.files(), { rollbackDir: project.rollbackDir });
    expect(result.ok).toBe(false);
    expect(result.verified).toEqual([M1]);
    expect(result.failure).toMatchObject({ migration: M2, stage: "rollback-mismatch" });
    expect(result.failure?.diff).toEqual({ missing: [], extra: [expect.stringMatching(/^index CREATE INDEX "Widget_color_idx" ON public\."Widget" USING btree \(color\)$/)] });
    expect(result.failure?.message).toContain(`+ index CREATE INDEX "Widget_color_idx"`);
  });

  it("names a rollback that undoes too much, or changes a column instead of restoring it", async () => {
    const project = tempProject();
    project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY, "color" TEXT);`, `DROP TABLE "Widget";`);
    project.add(M2, `ALTER TABLE "Widget" ALTER COLUMN "color" SET NOT NULL;`, `ALTER TABLE "Widget" ALTER COLUMN "color" TYPE VARCHAR(20);`);
    const result = await verifyMigrations(url, project.files(), { rollbackDir: project.rollbackDir });
    expect(result.failure?.migration).toBe(M2);
    expect(result.failure?.diff?.missing).toContain(`column "Widget".color text`);
    expect(result.failure?.diff?.extra).toContain(`column "Widget".color character varying(20) not null`);
  });

  it("fails a migration whose rollback script errors, or that cannot be applied again", async () => {
    const project = tempProject();
    project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `DROP TABLE "Gadget";`);
    const broken = await verifyMigrations(url, project.files(), { rollbackDir: project.rollbackDir });
    expect(broken.failure).toMatchObject({ migration: M1, stage: "rollback" });

    const noop = tempProject();
    noop.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `SELECT 1;`);
    const kept = await verifyMigrations(url, noop.files(), { rollbackDir: noop.rollbackDir });
    expect(kept.failure).toMatchObject({ migration: M1, stage: "rollback-mismatch" });
    expect(kept.failure?.diff?.extra).toContain(`table "Widget"`);
  });

  it("fails before touching any database when a rollback.sql is missing", async () => {
    const project = tempProject();
    project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `DROP TABLE "Widget";`);
    project.add(M2, `CREATE INDEX "Widget_id_idx" ON "Widget"("id");`);
    const result = await verifyMigrations(url, project.files(), { rollbackDir: project.rollbackDir });
    expect(result).toMatchObject({ ok: false, failure: { migration: M2, stage: "missing-rollback" } });
  });

  it("drops its scratch database after a failure too", async () => {
    const project = tempProject();
    project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `SELECT 1;`);
    const result = await verifyMigrations(url, project.files(), { rollbackDir: project.rollbackDir });
    expect(result.ok).toBe(false);
    expect(await databaseExists(result.scratchDatabase as string)).toBe(false);
  });
});
