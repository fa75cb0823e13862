import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { planScript } from "../../src/ops/migrations/execution.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { diffFingerprints, fingerprint } from "../../src/ops/migrations/fingerprint.ts";
import { lintMigrations } from "../../src/ops/migrations/lint/index.ts";
import { verifyMigrations } from "../../src/ops/migrations/verify.ts";
import { ENGINE_BINARY, PRISMA_CLI } from "../../src/ops/prisma-engine/drift-check.ts";
import { runProcess } from "../../src/ops/process.ts";
import type { SqlClient } from "../../src/ops/sql.ts";
import { REPO_ROOT, runDbctl } from "../cli/run-dbctl.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { tempProject } from "./rollback-folder.ts";

// `dbctl migrate new --rename-column / --rename-table`: the generated recipes, run as a user runs
// them (the CLI), against real PostgreSQL, with the project's own migrations under them.

const SLOW = 180_000;
const scratch = mkdtempSync(join(tmpdir(), "rename-recipe-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A hand-written migration the recipe must carry over: an index on the renamed column. */
const TITLE_INDEX = "20261203070500_index_note_user_id_title";

/** A copy of the project's migrations and rollbacks, plus an index on Note.title. */
function projectCopy(name: string, options: { titleIndex?: boolean } = {}) {
  const root = join(scratch, name);
  const m = join(root, "migrations");
  const r = join(root, "rollback");
  cpSync(join(REPO_ROOT, "prisma/migrations"), m, { recursive: true });
  cpSync(join(REPO_ROOT, "migrations-rollback"), r, { recursive: true });
  if (options.titleIndex) {
    mkdirSync(join(m, TITLE_INDEX));
    mkdirSync(join(r, TITLE_INDEX));
    writeFileSync(join(m, TITLE_INDEX, "migration.sql"), `CREATE INDEX CONCURRENTLY "Note_userId_title_idx" ON "Note"("userId", "title");\n`);
    writeFileSync(join(r, TITLE_INDEX, "rollback.sql"), `DROP INDEX CONCURRENTLY "Note_userId_title_idx";\n`);
  }
  return { root, m, r, dirs: ["--migrations-dir", m, "--rollback-dir", r] };
}

const folders = (dir: string) => readdirSync(dir).filter((f) => /^\d{14}_/.test(f)).sort();

async function seedNotes(db: SqlClient, count: number) {
  await db.query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('u1', 'u1@example.com', 'x', now())`);
  await db.query(
    `INSERT INTO "Note" (id, "userId", title, "updatedAt") SELECT 'n' || lpad(i::text, 5, '0'), 'u1', 'Title ' || i, now() FROM generate_series(1, $1) AS i`,
    [count],
  );
}

const column = async (db: SqlClient, table: string, name: string) =>
  (
    await db.query<{ attnotnull: boolean }>(
      `SELECT attnotnull FROM pg_attribute WHERE attrelid = to_regclass(format('%I', $1::text)) AND attname = $2 AND attnum > 0 AND NOT attisdropped`,
      [table, name],
    )
  ).rows[0];

/** The generated migrations' lint findings, linted as `dbctl migrate lint` and the deploy gate lint them: in order, after the rest. */
async function generatedFindings(dir: string, generated: string[]) {
  const report = await lintMigrations(readMigrations(dir));
  return report.findings.filter((f) => generated.includes(f.migration)).map((f) => `${f.migration}: ${f.rule}: ${f.message}`);
}

describe("planScript and a DO block that COMMITs", () => {
  it("runs a DO block with COMMIT or ROLLBACK in its body on its own, outside a transaction, and any other DO block whole", async () => {
    const committing = `DO $$ BEGIN LOOP IF random() > 0.5 THEN EXIT; END IF; COMMIT; END LOOP; END $$;`;
    expect(await planScript(committing)).toMatchObject({ transactional: false, statements: [committing.slice(0, -1)], reason: expect.stringContaining("DO block that COMMITs") });
    expect(await planScript(`DO LANGUAGE plpgsql $$ BEGIN ROLLBACK; END $$;`)).toMatchObject({ transactional: false });
    // The word in a string or a comment is not a COMMIT.
    expect(await planScript(`DO $$ BEGIN RAISE NOTICE 'COMMIT'; -- COMMIT\nEND $$;`)).toEqual({ transactional: true });
    expect(await planScript(`SELECT 1; DO $$ BEGIN PERFORM 1; END $$;`)).toEqual({ transactional: true });
  });
});

describe("dbctl migrate new --rename-column", () => {
  const project = projectCopy("rename-column", { titleIndex: true });
  const pg = inject("pg");

  it(
    "writes the recipe; each step lints clean; deploy moves the data to the new column, rollback brings the old column back with its data, verify passes",
    { timeout: SLOW },
    async () => {
      const { url } = await createTestDatabase({ empty: true });
      const env = { DIRECT_URL: url };
      expect((await runDbctl(["migrate", "deploy", "--migrations-dir", project.m], env)).code).toBe(0);
      const db = await openConnection(url);
      await seedNotes(db, 250);
      const titles = (await db.query(`SELECT id, title FROM "Note" ORDER BY id`)).rows;
      const before = await fingerprint(db);
      const existing = folders(project.m);

      const run = await runDbctl(["migrate", "new", "--rename-column", "Note.title:heading", "--batch-size", "100", "--shadow-url", pg.adminUrl, "--json", ...project.dirs], {});
      expect(run.code, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as { recipe: string; dryRun: boolean; migrations: { name: string; deployAfter?: string }[] };
      expect(out.recipe).toBe("rename-column");
      expect(out.dryRun).toBe(false);
      const names = out.migrations.map((m) => m.name);
      expect(names.map((n) => n.slice(15))).toEqual([
        "add_note_heading_column",
        "backfill_note_heading",
        "add_note_heading_not_null_check",
        "validate_note_heading_not_null_check",
        "set_note_heading_not_null",
        "index_note_user_id_heading",
        "drop_note_title_column",
      ]);
      expect(folders(project.m)).toEqual([...existing, ...names]);
      expect([...names].sort()).toEqual(names); // consecutive, in order, after every other migration
      expect(out.migrations.at(-1)?.deployAfter).toContain(`stopped reading and writing "Note"."title"`);
      for (const name of names) {
        expect(readFileSync(join(project.r, name, "rollback.sql"), "utf8").trim()).not.toBe("");
        const checklist = readFileSync(join(project.r, name, "README.md"), "utf8");
        expect(checklist).toContain("### Rollback Steps");
        expect(checklist).not.toContain("(describe what");
      }
      expect(readFileSync(join(project.r, names[6] as string, "README.md"), "utf8")).toContain("### Deploy\nDeploy this migration only after every running version");
      const drop = readFileSync(join(project.m, names[6] as string, "migration.sql"), "utf8");
      expect(drop).toContain("-- DEPLOY THIS MIGRATION ONLY AFTER every running version of the code has stopped reading");
      expect(drop).toMatch(/-- lint-ignore drop-column: .+\nALTER TABLE "Note" DROP COLUMN "title";/);
      expect(readFileSync(join(project.m, names[5] as string, "migration.sql"), "utf8")).toContain(`CREATE INDEX CONCURRENTLY "Note_userId_heading_idx" ON "Note" USING btree ("userId", heading);`);

      // Every step passes the linter as it stands (findings of rules added later show up here too).
      expect(await generatedFindings(project.m, names)).toEqual([]);
      const lint = await runDbctl(["migrate", "lint", "--json", project.m], {});
      expect(lint.code, lint.stdout).toBe(0);

      // Steps 1-6 first, as they ship: deploy holds the contract step (the drop) back for a later
      // release. The running code writes only "title", the trigger fills "heading".
      const first = await runDbctl(["migrate", "deploy", "--migrations-dir", project.m], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(`Holding back ${names[6]}: it is a contract step`);
      expect(await column(db, "Note", "title")).toEqual({ attnotnull: true });
      expect(first.stdout).toContain("runs outside a transaction (a DO block that COMMITs between batches cannot run inside a transaction)");
      expect((await db.query(`SELECT count(*)::int AS n FROM "Note" WHERE heading IS DISTINCT FROM title`)).rows).toEqual([{ n: 0 }]);
      expect(await column(db, "Note", "heading")).toEqual({ attnotnull: true });
      await db.query(`INSERT INTO "Note" (id, "userId", title, "updatedAt") VALUES ('old-code', 'u1', 'written by old code', now())`);
      await db.query(`INSERT INTO "Note" (id, "userId", heading, "updatedAt") VALUES ('new-code', 'u1', 'written by new code', now())`);
      await db.query(`UPDATE "Note" SET title = 'edited by old code' WHERE id = 'n00001'`);
      expect((await db.query(`SELECT id, title, heading FROM "Note" WHERE id IN ('old-code', 'new-code', 'n00001') ORDER BY id`)).rows).toEqual([
        { id: "n00001", title: "edited by old code", heading: "edited by old code" },
        { id: "new-code", title: "written by new code", heading: "written by new code" },
        { id: "old-code", title: "written by old code", heading: "written by old code" },
      ]);
      await db.query(`DELETE FROM "Note" WHERE id IN ('old-code', 'new-code')`);
      await db.query(`UPDATE "Note" SET title = 'Title 1' WHERE id = 'n00001'`);

      // Then the drop, in its later release.
      const last = await runDbctl(["migrate", "deploy", "--contract", ...project.dirs.slice(0, 2)], env);
      expect(last.code, last.stderr).toBe(0);
      expect(await column(db, "Note", "title")).toBeUndefined();
      expect((await db.query(`SELECT id, heading AS title FROM "Note" ORDER BY id`)).rows).toEqual(titles);
      expect((await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('"Note_userId_heading_idx"')`)).rows).toEqual([{ indisvalid: true }]);
      expect((await db.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = '"Note"'::regclass AND NOT tgisinternal`)).rows).toEqual([{ n: 0 }]);

      // Rollback through the whole recipe: the old column, its data, NOT NULL and index are back.
      const back = await runDbctl(["migrate", "rollback", "--to", TITLE_INDEX, "--json", ...project.dirs], env);
      expect(back.code, back.stderr).toBe(0);
      expect(JSON.parse(back.stdout).rolledBack).toEqual([...names].reverse());
      expect((await db.query(`SELECT id, title FROM "Note" ORDER BY id`)).rows).toEqual(titles);
      expect(await column(db, "Note", "heading")).toBeUndefined();
      const restored = diffFingerprints(before, await fingerprint(db));
      // Exactly the schema from before, but for where "title" sits among the columns (PostgreSQL adds it back last).
      expect(restored.missing).toEqual([expect.stringMatching(/^columns "Note" \(id, "userId", "projectId", title, content, /)]);
      expect(restored.extra).toEqual([expect.stringMatching(/^columns "Note" \(id, "userId", "projectId", content, .*, title\)$/)]);

      const verify = await runDbctl(["migrate", "verify", ...project.dirs], env);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toContain(`ok  ${names[6]} (its rollback re-adds a dropped column of "Note" at the end of the table`);
      for (const name of names.slice(0, 6)) expect(verify.stdout).toContain(`ok  ${name}\n`);

      // And forward again after the rollback.
      expect((await runDbctl(["migrate", "deploy", "--contract", ...project.dirs.slice(0, 2)], env)).code).toBe(0);
      expect((await db.query(`SELECT id, heading AS title FROM "Note" ORDER BY id`)).rows).toEqual(titles);
    },
  );

});

describe("dbctl migrate new --rename-column: dry runs and refusals", () => {
  const project = projectCopy("rename-column-refusals");
  const pg = inject("pg");

  it("--dry-run prints the recipe and its SQL and writes nothing; a nullable column gets no NOT NULL steps", { timeout: SLOW }, async () => {
    const before = folders(project.m);
    const run = await runDbctl(["migrate", "new", "--rename-column", "Note.deletedAt:trashedAt", "--dry-run", "--shadow-url", pg.adminUrl, ...project.dirs], {});
    expect(run.code, run.stderr).toBe(0);
    // add, backfill, one build per index on deletedAt (three), drop.
    expect(run.stdout).toContain(`Dry run: would create 6 migrations for the rename "Note"."deletedAt" -> "trashedAt" (nothing written):`);
    expect(run.stdout).not.toContain("not_null");
    expect(run.stdout).toContain(`CREATE INDEX CONCURRENTLY "Note_trashedAt_idx" ON "Note" USING btree ("trashedAt");`);
    expect(run.stdout).toContain(`CREATE INDEX CONCURRENTLY "Note_userId_trashedAt_pinned_idx" ON "Note" USING btree ("userId", "trashedAt", pinned);`);
    // The partial index names deletedAt only in its WHERE: it is rebuilt with the new column there.
    expect(run.stdout).toMatch(/CREATE INDEX CONCURRENTLY "Note_userId_pinned_createdAt_id_live_idx_trashedAt" ON "Note" USING btree .* WHERE \("trashedAt" IS NULL\);/);
    expect(run.stdout).toContain("-- lint-ignore drop-column:");
    expect(folders(project.m)).toEqual(before);
  });

  it.each([
    [["--rename-column", "Nope.title:heading"], 1, `There is no table or model "Nope"`],
    [["--rename-column", "Note.nope:heading"], 1, `Table "Note" has no column or field "nope"`],
    [["--rename-column", "Note.title:content"], 1, `Table "Note" already has a column "content"`],
    [["--rename-column", "Note.id:key"], 1, `"Note"."id" is used by constraint Note_pkey on table "Note"`],
    [["--rename-column", "Note-title"], 2, "Invalid --rename-column for `dbctl migrate new`: must be <Model|Table>.<column>:<new_column>"],
    [["--rename-column", "Note.title:title"], 2, "the new name is the column's own name"],
    [["--rename-column", "Note.title:heading", "--rename-table", "Note:Memo"], 2, "cannot be combined with --rename-table"],
    [["--rename-column", "Note.title:heading", "--stub"], 2, "cannot be combined"],
    [["rename_note_title", "--rename-column", "Note.title:heading"], 2, "names its migrations itself"],
    [["--rename-table", "Note:Memo", "--batch-size", "10"], 2, "sizes the backfill of --rename-column only"],
    [["--rename-table", "Note:User"], 1, `A table, view, index or sequence named "User" already exists`],
    [["--rename-table", "Note_pkey:Memo"], 1, `"Note_pkey" is not a table`],
  ])("refuses %j, writing nothing", { timeout: SLOW }, async (args, code, message) => {
    const before = [folders(project.m), folders(project.r)];
    const run = await runDbctl(["migrate", "new", ...args, "--shadow-url", pg.adminUrl, ...project.dirs], {});
    expect(run.code).toBe(code);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect([folders(project.m), folders(project.r)]).toEqual(before);
  });

  it("maps a Prisma model and field to their table and column (@@map, @map)", { timeout: SLOW }, async () => {
    const schema = join(project.root, "mapped.prisma");
    writeFileSync(schema, `model Memo {\n  id      String @id\n  caption String @map("title")\n\n  @@map("Note")\n}\n`);
    const run = await runDbctl(["migrate", "new", "--rename-column", "Memo.caption:heading", "--schema", schema, "--dry-run", "--json", "--shadow-url", pg.adminUrl, ...project.dirs], {});
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).rename).toBe(`"Note"."title" -> "heading"`);
  });
});

describe("dbctl migrate new --rename-column on a column with a default", () => {
  const project = projectCopy("rename-column-default");

  it("moves the default to the new column with the drop; every step lints clean and round-trips", { timeout: SLOW }, async () => {
    const run = await runDbctl(["migrate", "new", "--rename-column", "Note.content:body", "--shadow-url", inject("pg").adminUrl, "--json", ...project.dirs], {});
    expect(run.code, run.stderr).toBe(0);
    const names = (JSON.parse(run.stdout) as { migrations: { name: string }[] }).migrations.map((m) => m.name);
    expect(names).toHaveLength(6); // add, backfill, check, validate, set not null, drop: no index on content
    const drop = readFileSync(join(project.m, names[5] as string, "migration.sql"), "utf8");
    expect(drop).toContain(`ALTER TABLE "Note" ALTER COLUMN "body" SET DEFAULT ''::text;`);
    expect(readFileSync(join(project.r, names[5] as string, "rollback.sql"), "utf8")).toContain(`ALTER TABLE "Note" ALTER COLUMN "content" SET DEFAULT ''::text;`);
    expect(await generatedFindings(project.m, names)).toEqual([]);
    const { url } = await createTestDatabase({ empty: true });
    const verify = await runDbctl(["migrate", "verify", ...project.dirs], { DIRECT_URL: url });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});

describe("dbctl migrate new --rename-table", () => {
  const project = projectCopy("rename-table");
  const pg = inject("pg");

  it("renames with a view under the old name that reads and writes, drops the view later; rolls back and verifies", { timeout: SLOW }, async () => {
    const { url } = await createTestDatabase({ empty: true });
    const env = { DIRECT_URL: url };
    expect((await runDbctl(["migrate", "deploy", "--migrations-dir", project.m], env)).code).toBe(0);
    const db = await openConnection(url);
    await seedNotes(db, 20);
    const before = await fingerprint(db);
    const rows = (await db.query(`SELECT n::text AS r FROM "Note" n ORDER BY id`)).rows;

    const run = await runDbctl(["migrate", "new", "--rename-table", "Note:Memo", "--shadow-url", pg.adminUrl, "--json", ...project.dirs], {});
    expect(run.code, run.stderr).toBe(0);
    const names = (JSON.parse(run.stdout) as { migrations: { name: string }[] }).migrations.map((m) => m.name);
    expect(names.map((n) => n.slice(15))).toEqual(["rename_note_table_to_memo", "drop_note_view"]);
    const up = readFileSync(join(project.m, names[0] as string, "migration.sql"), "utf8");
    expect(up).toMatch(/-- lint-ignore rename-table: .+\nALTER TABLE "Note" RENAME TO "Memo";\nCREATE VIEW "Note" AS SELECT \* FROM "Memo";/);
    expect(up).toContain(`ALTER TABLE "Memo" RENAME CONSTRAINT "Note_pkey" TO "Memo_pkey";`);
    expect(up).toContain(`ALTER INDEX "Note_userId_idx" RENAME TO "Memo_userId_idx";`);
    expect(readFileSync(join(project.m, names[1] as string, "migration.sql"), "utf8")).toContain("-- DEPLOY THIS MIGRATION ONLY AFTER every running version of the code uses \"Memo\"");
    expect(await generatedFindings(project.m, names)).toEqual([]);

    // The rename alone first (deploy holds the view's drop back): old code goes on using "Note" through the view.
    const first = await runDbctl(["migrate", "deploy", "--json", "--migrations-dir", project.m], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ applied: [names[0]], heldBack: [names[1]] });
    expect((await db.query(`SELECT relkind::text FROM pg_class WHERE relname = 'Note'`)).rows).toEqual([{ relkind: "v" }]);
    expect((await db.query(`SELECT count(*)::int AS n FROM "Note"`)).rows).toEqual([{ n: 20 }]);
    const inserted = await db.query(`INSERT INTO "Note" (id, "userId", title, "updatedAt") VALUES ('via-view', 'u1', 'old name', now()) RETURNING content, pinned`);
    expect(inserted.rows).toEqual([{ content: "", pinned: false }]); // the table's defaults apply through the view
    await db.query(`UPDATE "Note" SET title = 'edited through the view' WHERE id = 'via-view'`);
    expect((await db.query(`SELECT title FROM "Memo" WHERE id = 'via-view'`)).rows).toEqual([{ title: "edited through the view" }]);
    await db.query(`DELETE FROM "Note" WHERE id = 'via-view'`);
    expect((await db.query(`SELECT count(*)::int AS n FROM "Memo"`)).rows).toEqual([{ n: 20 }]);

    expect((await runDbctl(["migrate", "deploy", "--contract", "--migrations-dir", project.m], env)).code).toBe(0);
    expect((await db.query(`SELECT to_regclass('"Note"') AS note, to_regclass('"Memo_pkey"')::text AS pkey`)).rows).toEqual([{ note: null, pkey: '"Memo_pkey"' }]);

    const back = await runDbctl(["migrate", "rollback", "--steps", "2", ...project.dirs], env);
    expect(back.code, back.stderr).toBe(0);
    expect(diffFingerprints(before, await fingerprint(db))).toEqual({ missing: [], extra: [] });
    expect((await db.query(`SELECT n::text AS r FROM "Note" n ORDER BY id`)).rows).toEqual(rows);

    const verify = await runDbctl(["migrate", "verify", ...project.dirs], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});

describe("prisma migrate deploy and the generated backfill", () => {
  it("Prisma's own deploy runs the DO block that COMMITs between batches (one statement, sent alone)", { timeout: SLOW }, async () => {
    const project = projectCopy("prisma-deploy");
    const prismaProject = join(project.root, "prisma-project");
    mkdirSync(prismaProject);
    cpSync(join(REPO_ROOT, "prisma/schema.prisma"), join(prismaProject, "schema.prisma"));
    writeFileSync(join(prismaProject, "prisma.config.ts"), `export default { schema: "schema.prisma", migrations: { path: "../migrations" }, datasource: { url: process.env.DATABASE_URL } };\n`);
    const { url } = await createTestDatabase({ empty: true });
    const prisma = () =>
      runProcess(process.execPath, [PRISMA_CLI, "migrate", "deploy", "--config", join(prismaProject, "prisma.config.ts")], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: url, DIRECT_URL: url, PRISMA_SCHEMA_ENGINE_BINARY: ENGINE_BINARY, CHECKPOINT_DISABLE: "1", NO_COLOR: "1" },
      });
    const initial = await prisma();
    expect(initial.code, initial.stderr).toBe(0);
    const db = await openConnection(url);
    await seedNotes(db, 30);

    const run = await runDbctl(["migrate", "new", "--rename-column", "Note.title:heading", "--batch-size", "7", "--shadow-url", inject("pg").adminUrl, ...project.dirs], {});
    expect(run.code, run.stderr).toBe(0);
    const deploy = await prisma();
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(existsSync(join(project.m, folders(project.m).find((f) => f.endsWith("_backfill_note_heading")) as string))).toBe(true);
    expect((await db.query(`SELECT count(*)::int AS n FROM "Note" WHERE heading = 'Title ' || ltrim(substr(id, 2), '0')`)).rows).toEqual([{ n: 30 }]);
    expect((await db.query(`SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NULL`)).rows).toEqual([{ n: 0 }]);
  });
});

describe("migrate verify and the column order a rollback cannot restore", () => {
  const dropping = tempProject();
  dropping.add("20260101000000_create_widgets_table", `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY, "color" TEXT, "size" INTEGER);`, `DROP TABLE "Widget";`);
  dropping.add("20260102000000_drop_widget_color_column", `ALTER TABLE "Widget" DROP COLUMN "color";`, `ALTER TABLE "Widget" ADD COLUMN "color" TEXT;`);
  const reordering = tempProject();
  reordering.add("20260101000000_create_widgets_table", `CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY, "color" TEXT, "size" INTEGER);`, `DROP TABLE "Widget";`);
  // Its rollback moves a column the migration never dropped.
  reordering.add("20260102000000_add_widget_weight_column", `ALTER TABLE "Widget" ADD COLUMN "weight" INTEGER;`, `ALTER TABLE "Widget" DROP COLUMN "weight"; ALTER TABLE "Widget" DROP COLUMN "color"; ALTER TABLE "Widget" ADD COLUMN "color" TEXT;`);

  it("passes, with a note, a DROP COLUMN whose rollback adds the column back last; fails a rollback that reorders anything else", async () => {
    const { url } = await createTestDatabase({ empty: true });
    const passed = await verifyMigrations(url, dropping.files(), { rollbackDir: dropping.rollbackDir });
    expect(passed.ok).toBe(true);
    expect(passed.notes?.["20260102000000_drop_widget_color_column"]).toContain(`re-adds a dropped column of "Widget" at the end of the table`);
    const failed = await verifyMigrations(url, reordering.files(), { rollbackDir: reordering.rollbackDir });
    expect(failed.ok).toBe(false);
    expect(failed.failure).toMatchObject({ migration: "20260102000000_add_widget_weight_column", stage: "rollback-mismatch" });
  });
});
