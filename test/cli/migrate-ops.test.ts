import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.ts";
import { tempProject } from "../ops/rollback-folder.ts";
import { runDbctl } from "./run-dbctl.ts";

const M1 = "20260101000000_create_widgets_table";
const M2 = "20260102000000_add_widget_color_column";
const project = tempProject();
project.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `DROP TABLE "Widget";`);
project.add(M2, `ALTER TABLE "Widget" ADD COLUMN "color" TEXT;`, `ALTER TABLE "Widget" DROP COLUMN "color";`);
const dirs = ["--migrations-dir", project.migrationsDir, "--rollback-dir", project.rollbackDir];

const { url } = await createTestDatabase({ empty: true });
const env = { DIRECT_URL: url };

describe("dbctl migrate rollback", () => {
  it("--dry-run prints the plan and SQL, then a real rollback and a re-deploy", async () => {
    expect((await runDbctl(["migrate", "deploy", "--migrations-dir", project.migrationsDir], env)).code).toBe(0);

    const dry = await runDbctl(["migrate", "rollback", "--dry-run", ...dirs], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Dry run: would roll back 1 migration");
    expect(dry.stdout).toContain(`-- ${M2}`);
    expect(dry.stdout).toContain(`ALTER TABLE "Widget" DROP COLUMN "color";`);
    expect((await runDbctl(["migrate", "status", "--migrations-dir", project.migrationsDir], env)).code).toBe(0);

    const real = await runDbctl(["migrate", "rollback", "--json", ...dirs], env);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ dryRun: false, rolledBack: [M2] });
    const status = await runDbctl(["migrate", "status", "--json", "--migrations-dir", project.migrationsDir], env);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).pending).toEqual([M2]);
    expect((await runDbctl(["migrate", "deploy", "--migrations-dir", project.migrationsDir], env)).code).toBe(0);
  });

  it("refuses bad flag combinations and impossible plans with one sentence", async () => {
    const both = await runDbctl(["migrate", "rollback", "--steps", "1", "--to", M1, ...dirs], env);
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe("Invalid --steps for `dbctl migrate rollback`: cannot be combined with --to.");
    const zero = await runDbctl(["migrate", "rollback", "--steps", "0", ...dirs], env);
    expect(zero.code).toBe(2);
    const tooMany = await runDbctl(["migrate", "rollback", "--steps", "5", ...dirs], env);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr.trim().split("\n")).toHaveLength(1);
    expect(tooMany.stderr).toContain("only 2 are applied");
  });
});

describe("dbctl migrate verify", () => {
  it("passes on the project's own migrations", async () => {
    const run = await runDbctl(["migrate", "verify"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/round-trip/);
  });

  it("fails naming the migration and printing the difference", async () => {
    const broken = tempProject();
    broken.add(M1, `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY);`, `SELECT 1;`);
    const run = await runDbctl(["migrate", "verify", "--migrations-dir", broken.migrationsDir, "--rollback-dir", broken.rollbackDir], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`FAILED ${M1}`);
    expect(run.stdout).toContain(`+ table "Widget"`);
    expect(run.stderr).toContain(M1);
  });
});

describe("dbctl migrate new", () => {
  it("creates the migration, its rollback script and the checklist", async () => {
    const root = mkdtempSync(join(tmpdir(), "new-migration-"));
    const args = ["--migrations-dir", join(root, "m"), "--rollback-dir", join(root, "r")];
    const run = await runDbctl(["migrate", "new", "add_widget_size_column", "--stub", ...args], {});
    expect(run.code).toBe(0);
    const [folder] = readdirSync(join(root, "m"));
    expect(folder).toMatch(/^\d{14}_add_widget_size_column$/);
    expect(existsSync(join(root, "m", folder as string, "migration.sql"))).toBe(true);
    expect(existsSync(join(root, "r", folder as string, "rollback.sql"))).toBe(true);
    expect(readFileSync(join(root, "r", folder as string, "README.md"), "utf8")).toContain("### Rollback Steps");

    // A second one sorts after the first even within the same second.
    expect((await runDbctl(["migrate", "new", "add_widget_weight_column", "--stub", ...args], {})).code).toBe(0);
    const folders = readdirSync(join(root, "m")).sort();
    expect(folders[1]).toMatch(/_add_widget_weight_column$/);
    expect(folders[1]! > folders[0]!).toBe(true);
  });

  it.each([[["migrate", "new"]], [["migrate", "new", "Add-Column"]], [["migrate", "new", "a", "b"]], [["migrate", "new", "update_schema"]], [["migrate", "new", "fix"]]])("refuses %j", async (args) => {
    const root = mkdtempSync(join(tmpdir(), "new-migration-"));
    const run = await runDbctl([...args, "--stub", "--migrations-dir", join(root, "m"), "--rollback-dir", join(root, "r")], {});
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(root, "m")) ? readdirSync(join(root, "m")) : []).toEqual([]);
  });
});

describe("dbctl migrate new with Prisma's diff", () => {
  it("fills migration.sql with the schema change and rollback.sql with its reverse, which verify proves", { timeout: 120_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), "new-migration-"));
    cpSync("prisma/migrations", join(root, "m"), { recursive: true });
    cpSync("migrations-rollback", join(root, "r"), { recursive: true });
    const schema = readFileSync("prisma/schema.prisma", "utf8").replace(/^(model Note \{\n)/m, "$1  color     String?\n");
    writeFileSync(join(root, "schema.prisma"), schema);
    const args = ["--schema", join(root, "schema.prisma"), "--shadow-url", url, "--migrations-dir", join(root, "m"), "--rollback-dir", join(root, "r")];

    const run = await runDbctl(["migrate", "new", "add_note_color_column", ...args], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("SQL generated by Prisma Migrate");
    const folder = readdirSync(join(root, "m")).find((f) => f.endsWith("_add_note_color_column")) as string;
    expect(readFileSync(join(root, "m", folder, "migration.sql"), "utf8")).toContain(`ALTER TABLE "Note" ADD COLUMN     "color" TEXT;`);
    expect(readFileSync(join(root, "r", folder, "rollback.sql"), "utf8")).toMatch(/ALTER TABLE (?:"public"\.)?"Note" DROP COLUMN "color";/);

    const verify = await runDbctl(["migrate", "verify", "--migrations-dir", join(root, "m"), "--rollback-dir", join(root, "r")], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    // Nothing changed since: stubs, and it says so.
    const again = await runDbctl(["migrate", "new", "add_nothing_really", ...args.slice(0, 2), "--shadow-url", url, "--migrations-dir", join(root, "m"), "--rollback-dir", join(root, "r")], {});
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("has no change since the last migration");
  });
});

describe("dbctl migrate reset", () => {
  it.each(["production", "staging"])("refuses with APP_ENV=%s, even with --yes", async (appEnv) => {
    const run = await runDbctl(["migrate", "reset", "--yes"], { ...env, APP_ENV: appEnv });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`APP_ENV=${appEnv}`);
  });

  it("refuses a remote database unless APP_ENV=development says so", async () => {
    const run = await runDbctl(["migrate", "reset", "--yes"], { DIRECT_URL: "postgresql://u:p@db.example.com:5432/app" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("not on this machine");
  });

  it("needs --yes, then drops everything and applies every migration", async () => {
    const { url: devUrl } = await createTestDatabase();
    const devEnv = { DIRECT_URL: devUrl, APP_ENV: "development" };
    const { connect } = await import("../../src/ops/sql.ts");
    const db = await connect(devUrl);
    await db.query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('u1', 'reset@example.com', 'x', now())`);

    const unconfirmed = await runDbctl(["migrate", "reset"], devEnv);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain("--yes");
    expect((await db.query(`SELECT 1 FROM "User"`)).rows).toHaveLength(1);

    const run = await runDbctl(["migrate", "reset", "--yes"], devEnv);
    expect(run.code).toBe(0);
    expect((await db.query(`SELECT 1 FROM "User"`)).rows).toHaveLength(0);
    expect((await runDbctl(["migrate", "status"], devEnv)).code).toBe(0);
    await db.close();
  });
});
