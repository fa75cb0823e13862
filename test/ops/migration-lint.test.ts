import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { lintMigration, lintMigrations, RULE_IDS, splitStatements, SqlSyntaxError, type Finding, type MigrationLint, type RuleId } from "../../src/ops/migrations/lint/index.ts";
import { REPO_ROOT, runDbctl } from "../cli/run-dbctl.ts";
import { createTestDatabase } from "../support/database.ts";
import { migrationFolder } from "./migration-folder.ts";

const NAME = "20261204000000_change_note_fields";
const INITIAL_DIR = join(REPO_ROOT, "prisma/migrations");
const INITIAL = readMigrations(INITIAL_DIR)[0]!;

/** Lints one migration that follows `before` (each linted first, for what it leaves behind). */
async function lint(sql: string, options: { name?: string; before?: string[] } = {}): Promise<MigrationLint> {
  let knowledge: MigrationLint["knowledge"] | undefined;
  for (const [i, earlier] of (options.before ?? []).entries()) {
    const result = await lintMigration(`2026110100000${i}_earlier_step_${i}`, earlier, { knowledge });
    expect(result.findings, `earlier migration ${i} is itself clean`).toEqual([]);
    knowledge = result.knowledge;
  }
  return lintMigration(options.name ?? NAME, sql, { knowledge });
}

const ruleLines = (findings: Finding[]) => findings.map((f) => [f.rule, f.line]);

interface Case {
  title: string;
  sql: string;
  expected: [RuleId, number][];
  name?: string;
  before?: string[];
}

const BAD: Case[] = [
  { title: "CREATE INDEX on an existing table", sql: `-- CreateIndex\nCREATE INDEX "Note_title_idx" ON "Note"("title");\n`, expected: [["create-index-without-concurrently", 2]] },
  { title: "CREATE UNIQUE INDEX on an existing table", sql: `CREATE UNIQUE INDEX "Project_name_key" ON "Project"("name");`, expected: [["create-index-without-concurrently", 1]] },
  {
    title: "CREATE TABLE IF NOT EXISTS does not exempt (the table may already hold data)",
    sql: `CREATE TABLE IF NOT EXISTS "Tag" ("id" TEXT NOT NULL);\nCREATE INDEX "Tag_id_idx" ON "Tag"("id");`,
    expected: [["create-index-without-concurrently", 2]],
  },
  { title: "DROP INDEX", sql: `\n\n-- DropIndex\nDROP INDEX "Note_pinned_idx";`, expected: [["drop-index-without-concurrently", 4]] },
  { title: "ADD COLUMN NOT NULL without a default", sql: `ALTER TABLE "Note" ADD COLUMN "slug" TEXT NOT NULL;`, expected: [["add-not-null-column-without-default", 1]] },
  { title: "ADD COLUMN DEFAULT gen_random_uuid()", sql: `ALTER TABLE "Note" ADD COLUMN "publicId" UUID NOT NULL DEFAULT gen_random_uuid();`, expected: [["add-column-volatile-default", 1]] },
  { title: "ADD COLUMN DEFAULT random()", sql: `ALTER TABLE "Note" ADD COLUMN "score" DOUBLE PRECISION DEFAULT (random() * 10);`, expected: [["add-column-volatile-default", 1]] },
  { title: "ADD COLUMN DEFAULT clock_timestamp()", sql: `ALTER TABLE "Note" ADD COLUMN "seenAt" TIMESTAMPTZ DEFAULT clock_timestamp();`, expected: [["add-column-volatile-default", 1]] },
  { title: "ADD COLUMN BIGSERIAL", sql: `ALTER TABLE "Note" ADD COLUMN "seq" BIGSERIAL;`, expected: [["add-column-volatile-default", 1]] },
  { title: "ADD COLUMN identity", sql: `ALTER TABLE "Note" ADD COLUMN "n" INTEGER GENERATED ALWAYS AS IDENTITY;`, expected: [["add-column-volatile-default", 1]] },
  { title: "ADD COLUMN stored generated", sql: `ALTER TABLE "Note" ADD COLUMN "titleLength" INTEGER GENERATED ALWAYS AS (length("title")) STORED;`, expected: [["add-column-volatile-default", 1]] },
  { title: "SET NOT NULL on an existing column", sql: `ALTER TABLE "Note" ALTER COLUMN "projectId" SET NOT NULL;`, expected: [["set-not-null", 1]] },
  {
    title: "SET NOT NULL with a NOT VALID check that was never validated",
    before: [`ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_not_null" CHECK ("projectId" IS NOT NULL) NOT VALID;`],
    sql: `ALTER TABLE "Note" ALTER COLUMN "projectId" SET NOT NULL;`,
    expected: [["set-not-null", 1]],
  },
  {
    title: "ADD CONSTRAINT FOREIGN KEY without NOT VALID",
    sql: `-- AddForeignKey\nALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE SET NULL;`,
    expected: [["constraint-without-not-valid", 2]],
  },
  { title: "ADD CONSTRAINT CHECK without NOT VALID", sql: `ALTER TABLE "Note" ADD CONSTRAINT "Note_title_length" CHECK (length("title") < 200);`, expected: [["constraint-without-not-valid", 1]] },
  { title: "ADD COLUMN with an inline REFERENCES", sql: `ALTER TABLE "Note" ADD COLUMN "parentId" TEXT REFERENCES "Note"("id");`, expected: [["constraint-without-not-valid", 1]] },
  {
    title: "VALIDATE CONSTRAINT in the migration that added it NOT VALID",
    sql: `ALTER TABLE "Note" ADD CONSTRAINT "Note_title_not_empty" CHECK ("title" <> '') NOT VALID;\nALTER TABLE "Note" VALIDATE CONSTRAINT "Note_title_not_empty";`,
    expected: [["validate-in-same-migration", 2]],
  },
  { title: "ADD CONSTRAINT UNIQUE", sql: `ALTER TABLE "Project" ADD CONSTRAINT "Project_name_key" UNIQUE ("name");`, expected: [["unique-constraint-without-index", 1]] },
  {
    title: "ADD PRIMARY KEY",
    sql: `ALTER TABLE "PerformanceMetric" DROP CONSTRAINT "PerformanceMetric_pkey",\n  ADD CONSTRAINT "PerformanceMetric_pkey" PRIMARY KEY ("id", "timestamp");`,
    expected: [["unique-constraint-without-index", 1]],
  },
  { title: "RENAME COLUMN", sql: `ALTER TABLE "User" RENAME COLUMN "name" TO "fullName";`, expected: [["rename-column", 1]] },
  { title: "RENAME TABLE", sql: `ALTER TABLE "ErrorLog" RENAME TO "ErrorEvent";`, expected: [["rename-table", 1]] },
  { title: "DROP COLUMN", sql: `-- AlterTable\nALTER TABLE "Note" DROP COLUMN "pinned";`, expected: [["drop-column", 2]] },
  { title: "DROP TABLE", sql: `-- DropTable\nDROP TABLE "PerformanceMetric";`, expected: [["drop-table", 2]] },
  { title: "ALTER COLUMN TYPE", sql: `ALTER TABLE "PerformanceMetric" ALTER COLUMN "status" TYPE BIGINT;`, expected: [["alter-column-type", 1]] },
  { title: "ALTER COLUMN SET DATA TYPE (Prisma's spelling)", sql: `-- AlterTable\nALTER TABLE "Note" ALTER COLUMN "title" SET DATA TYPE VARCHAR(200);`, expected: [["alter-column-type", 2]] },
  {
    title: "CREATE INDEX CONCURRENTLY next to another statement",
    sql: `CREATE INDEX CONCURRENTLY "Note_title_idx" ON "Note"("title");\nANALYZE "Note";`,
    expected: [["concurrently-not-alone", 1]],
  },
  {
    title: "DROP INDEX CONCURRENTLY next to another statement",
    sql: `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nDROP INDEX CONCURRENTLY "Note_pinned_idx";`,
    expected: [
      ["concurrently-not-alone", 2],
      ["non-transactional-drop-without-if-exists", 2],
    ],
  },
  { title: "DROP INDEX CONCURRENTLY without IF EXISTS (squawk prefer-robust-stmts)", sql: `DROP INDEX CONCURRENTLY "Note_pinned_idx";`, expected: [["non-transactional-drop-without-if-exists", 1]] },
  { title: "ADD COLUMN DEFAULT of a function lint cannot judge", sql: `ALTER TABLE "Note" ADD COLUMN "slug" TEXT DEFAULT make_slug();`, expected: [["add-column-volatile-default", 1]] },
  { title: "ADD PRIMARY KEY without a constraint name (squawk adding-serial-primary-key-field)", sql: `ALTER TABLE "MaintenanceMode" ADD PRIMARY KEY ("id");`, expected: [["unique-constraint-without-index", 1]] },
  {
    title: "ADD COLUMN BIGSERIAL PRIMARY KEY",
    sql: `ALTER TABLE "Note" ADD COLUMN "seq" BIGSERIAL PRIMARY KEY;`,
    expected: [
      ["add-column-volatile-default", 1],
      ["unique-constraint-without-index", 1],
    ],
  },
  {
    title: "VALIDATE CONSTRAINT after another statement of the migration locked the table",
    before: [`ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") NOT VALID;`],
    sql: `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nALTER TABLE "Note" VALIDATE CONSTRAINT "Note_projectId_fkey";`,
    expected: [["validate-in-same-migration", 2]],
  },
  { title: "ADD CONSTRAINT ... NOT NULL (PostgreSQL 18) without NOT VALID", sql: `ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_not_null" NOT NULL "projectId";`, expected: [["set-not-null", 1]] },
  { title: "DROP NOT NULL", sql: `ALTER TABLE "Note" ALTER COLUMN "title" DROP NOT NULL;`, expected: [["drop-not-null", 1]] },
  {
    title: "ADD CONSTRAINT EXCLUDE",
    sql: `ALTER TABLE "Session" ADD CONSTRAINT "Session_no_overlap" EXCLUDE USING gist ("userId" WITH =, tstzrange("createdAt", "expiresAt") WITH &&);`,
    expected: [["exclusion-constraint", 1]],
  },
  { title: "ADD COLUMN json", sql: `ALTER TABLE "Note" ADD COLUMN "meta" JSON;`, expected: [["json-column", 1]] },
  { title: "ADD COLUMN json[]", sql: `ALTER TABLE "Note" ADD COLUMN "history" json[];`, expected: [["json-column", 1]] },
  { title: "DETACH PARTITION", sql: `ALTER TABLE "PerformanceMetric" DETACH PARTITION "PerformanceMetric_2026_11";`, expected: [["detach-partition-without-concurrently", 1]] },
  { title: "SET UNLOGGED", sql: `ALTER TABLE "PerformanceMetric" SET UNLOGGED;`, expected: [["alter-table-rewrite", 1]] },
  { title: "SET LOGGED and SET TABLESPACE", sql: `ALTER TABLE "PerformanceMetric" SET LOGGED;\nALTER TABLE "ErrorLog" SET TABLESPACE "archive";`, expected: [["alter-table-rewrite", 1], ["alter-table-rewrite", 2], ["unrelated-tables", 2]] },
  { title: "TRUNCATE", sql: `TRUNCATE "ErrorLog";`, expected: [["truncate-table", 1]] },
  {
    title: "TRUNCATE ... CASCADE",
    sql: `TRUNCATE TABLE "User" CASCADE;`,
    expected: [
      ["truncate-cascade", 1],
      ["truncate-table", 1],
    ],
  },
  { title: "DROP DATABASE", sql: `DROP DATABASE IF EXISTS "app_staging";`, expected: [["drop-database", 1]] },
  { title: "CREATE DOMAIN with a CHECK", sql: `CREATE DOMAIN "Email" AS TEXT CHECK (VALUE ~ '@');`, expected: [["create-domain-with-constraint", 1]] },
  { title: "ALTER DOMAIN ADD CONSTRAINT", sql: `ALTER DOMAIN "Email" ADD CONSTRAINT "Email_lower" CHECK (VALUE = lower(VALUE));`, expected: [["alter-domain-add-constraint", 1]] },
  { title: "ALTER DOMAIN SET NOT NULL", sql: `ALTER DOMAIN "Email" SET NOT NULL;`, expected: [["alter-domain-add-constraint", 1]] },
  { title: "ALTER TYPE RENAME VALUE", sql: `ALTER TYPE "JobOutcome" RENAME VALUE 'partial' TO 'incomplete';`, expected: [["rename-enum-value", 1]] },
  { title: "ALTER SCHEMA RENAME", sql: `ALTER SCHEMA "public" RENAME TO "app";`, expected: [["rename-schema", 1]] },
  { title: "REINDEX TABLE", sql: `REINDEX TABLE "Note";`, expected: [["reindex-without-concurrently", 1]] },
  { title: "REINDEX INDEX", sql: `REINDEX INDEX "Note_userId_idx";`, expected: [["reindex-without-concurrently", 1]] },
  { title: "VACUUM FULL", sql: `VACUUM (FULL, ANALYZE) "ErrorLog";`, expected: [["vacuum-full-or-cluster", 1]] },
  { title: "CLUSTER", sql: `CLUSTER "Note" USING "Note_pkey";`, expected: [["vacuum-full-or-cluster", 1]] },
  {
    title: "a backfill in the migration that adds its column (the guide's rename step 1 as one migration)",
    sql: `ALTER TABLE "User" ADD COLUMN "fullName" TEXT;\nUPDATE "User" SET "fullName" = "name";`,
    expected: [["backfill-in-schema-migration", 2]],
  },
  {
    title: "a backfill before the ALTER TABLE of its table",
    sql: `UPDATE "Note" SET "pinned" = false WHERE "pinned" IS NULL;\nALTER TABLE "Note" ALTER COLUMN "pinned" SET DEFAULT false;`,
    expected: [["backfill-in-schema-migration", 1]],
  },
  {
    title: "a DELETE in the migration that indexes its table",
    sql: `DELETE FROM "ErrorLog" WHERE "timestamp" < now() - interval '90 days';\nCREATE INDEX "ErrorLog_timestamp_idx" ON "ErrorLog"("timestamp");`,
    expected: [
      ["backfill-in-schema-migration", 1],
      ["create-index-without-concurrently", 2],
    ],
  },
  {
    title: "an UPDATE while another table of the migration is locked",
    sql: `ALTER TABLE "Note" ADD COLUMN "archived" BOOLEAN NOT NULL DEFAULT false;\nUPDATE "User" SET "name" = btrim("name");`,
    expected: [
      ["backfill-in-schema-migration", 2],
      ["unrelated-tables", 2],
    ],
  },
  {
    title: "a batched DO-block backfill in the migration that adds its column",
    sql: `ALTER TABLE "User" ADD COLUMN "fullName" TEXT;\nDO $$ BEGIN\n  UPDATE "User" SET "fullName" = "name" WHERE "fullName" IS NULL;\nEND $$;`,
    expected: [["backfill-in-schema-migration", 2]],
  },
  {
    title: "BEGIN and COMMIT around a migration's statements (squawk transaction-nesting)",
    sql: `BEGIN;\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nCOMMIT;`,
    expected: [
      ["transaction-control", 1],
      ["transaction-control", 3],
    ],
  },
  { title: "BEGIN never committed (squawk ban-uncommitted-transaction)", sql: `BEGIN;\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, expected: [["transaction-control", 1]] },
  {
    title: "CREATE INDEX CONCURRENTLY inside BEGIN ... COMMIT (squawk ban-concurrent-index-creation-in-transaction)",
    sql: `BEGIN;\nCREATE INDEX CONCURRENTLY "Note_title_idx" ON "Note"("title");\nCOMMIT;`,
    expected: [
      ["transaction-control", 1],
      ["concurrently-not-alone", 2],
      ["transaction-control", 3],
    ],
  },
  { title: "SET lock_timeout = 0", sql: `SET lock_timeout = 0;\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, expected: [["lock-timeout-disabled", 1]] },
  { title: "SET lock_timeout to a minute", sql: `SET LOCAL lock_timeout TO '1min';\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, expected: [["lock-timeout-disabled", 1]] },
  { title: "RESET lock_timeout", sql: `RESET lock_timeout;\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, expected: [["lock-timeout-disabled", 1]] },
  { title: "set_config('lock_timeout', '0')", sql: `SELECT set_config('lock_timeout', '0', true);\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, expected: [["lock-timeout-disabled", 1]] },
  { title: "SET statement_timeout = 0", sql: `SET statement_timeout = 0;\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, expected: [["statement-timeout-disabled", 1]] },
  ...["update_schema", "fix", "changes", "migration1", "misc", "wip", "temp", "test", "update_schema_2", "add_column", "more_db_changes"].map(
    (vague): Case => ({ title: `vague name ${vague}`, name: `20261201000000_${vague}`, sql: `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, expected: [["vague-migration-name", 1]] }),
  ),
  {
    title: "changes to two unrelated tables",
    sql: `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\n\nALTER TABLE "PerformanceMetric" ADD COLUMN "region" TEXT;`,
    expected: [["unrelated-tables", 3]],
  },
  { title: "a syntax error", sql: `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nALTER TABLE "Note" ADD COLUMN ;`, expected: [["syntax-error", 2]] },
];

const GOOD: Case[] = [
  { title: "CREATE INDEX CONCURRENTLY alone in its migration", sql: `-- CreateIndex\nCREATE INDEX CONCURRENTLY "Note_title_idx" ON "Note"("title");\n` },
  { title: "DROP INDEX CONCURRENTLY alone in its migration", sql: `DROP INDEX CONCURRENTLY IF EXISTS "Note_pinned_idx";` },
  { title: "ADD COLUMN nullable", sql: `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;` },
  { title: "ADD COLUMN NOT NULL with a constant default", sql: `ALTER TABLE "Note" ADD COLUMN "archived" BOOLEAN NOT NULL DEFAULT false;` },
  // now() and CURRENT_TIMESTAMP are STABLE, not VOLATILE: PostgreSQL >= 11 evaluates them once, no rewrite.
  { title: "ADD COLUMN DEFAULT now()", sql: `ALTER TABLE "Note" ADD COLUMN "importedAt" TIMESTAMPTZ NOT NULL DEFAULT now();` },
  { title: "ADD COLUMN DEFAULT CURRENT_TIMESTAMP", sql: `ALTER TABLE "Note" ADD COLUMN "importedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;` },
  { title: "ADD COLUMN then set a volatile default for new rows only", sql: `ALTER TABLE "Note" ADD COLUMN "publicId" UUID;\nALTER TABLE "Note" ALTER COLUMN "publicId" SET DEFAULT gen_random_uuid();` },
  { title: "ADD CONSTRAINT FOREIGN KEY NOT VALID", sql: `ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") NOT VALID;` },
  {
    title: "VALIDATE CONSTRAINT in a later migration",
    before: [`ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") NOT VALID;`],
    sql: `ALTER TABLE "Note" VALIDATE CONSTRAINT "Note_projectId_fkey";`,
  },
  {
    title: "SET NOT NULL after a validated CHECK (col IS NOT NULL)",
    before: [
      `ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_not_null" CHECK ("projectId" IS NOT NULL) NOT VALID;`,
      `ALTER TABLE "Note" VALIDATE CONSTRAINT "Note_projectId_not_null";`,
    ],
    sql: `ALTER TABLE "Note" ALTER COLUMN "projectId" SET NOT NULL;\nALTER TABLE "Note" DROP CONSTRAINT "Note_projectId_not_null";`,
  },
  {
    title: "UNIQUE USING INDEX built concurrently in an earlier migration",
    before: [`CREATE UNIQUE INDEX CONCURRENTLY "Project_name_key" ON "Project"("name");`],
    sql: `ALTER TABLE "Project" ADD CONSTRAINT "Project_name_key" UNIQUE USING INDEX "Project_name_key";`,
  },
  { title: "the guide's multi-step rename, step 1: add the new column", sql: `ALTER TABLE "User" ADD COLUMN "fullName" TEXT;` },
  {
    title: "the guide's multi-step rename, step 2: copy, in a migration of its own",
    before: [`ALTER TABLE "User" ADD COLUMN "fullName" TEXT;`],
    sql: `UPDATE "User" SET "fullName" = "name" WHERE "fullName" IS NULL;`,
  },
  {
    title: "the guide's multi-step rename, step 2 for a large table: a batched DO block that commits between batches",
    before: [`ALTER TABLE "User" ADD COLUMN "fullName" TEXT;`],
    sql: [
      `-- Backfill "User"."fullName" in batches of 1000, committing after each (runs outside a transaction).`,
      `DO $$`,
      `DECLARE`,
      `  done integer;`,
      `BEGIN`,
      `  LOOP`,
      `    UPDATE "User" SET "fullName" = "name"`,
      `    WHERE ctid = ANY(ARRAY(SELECT ctid FROM "User" WHERE "fullName" IS NULL AND "name" IS NOT NULL LIMIT 1000));`,
      `    GET DIAGNOSTICS done = ROW_COUNT;`,
      `    EXIT WHEN done = 0;`,
      `    COMMIT;`,
      `  END LOOP;`,
      `END $$;`,
    ].join("\n"),
  },
  { title: "a data-only migration that deletes old rows", sql: `DELETE FROM "ErrorLog" WHERE "timestamp" < now() - interval '90 days';` },
  {
    title: "a backfill of a table created in the same migration",
    sql: `CREATE TABLE "Tag" ("id" TEXT NOT NULL, "name" TEXT);\nINSERT INTO "Tag" ("id", "name") SELECT "id", "name" FROM "Project";\nUPDATE "Tag" SET "name" = lower("name");\nALTER TABLE "Tag" ALTER COLUMN "name" SET NOT NULL;`,
  },
  {
    title: "the NOT NULL recipe's last step: VALIDATE, then SET NOT NULL and drop the check, in one migration",
    before: [`ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_not_null" CHECK ("projectId" IS NOT NULL) NOT VALID;`],
    sql: `ALTER TABLE "Note" VALIDATE CONSTRAINT "Note_projectId_not_null";\nALTER TABLE "Note" ALTER COLUMN "projectId" SET NOT NULL;\nALTER TABLE "Note" DROP CONSTRAINT "Note_projectId_not_null";`,
  },
  { title: "ADD CONSTRAINT ... NOT NULL ... NOT VALID (PostgreSQL 18)", sql: `ALTER TABLE "Note" ADD CONSTRAINT "Note_projectId_not_null" NOT NULL "projectId" NOT VALID;` },
  { title: "ADD COLUMN DEFAULT of a known stable function", sql: `ALTER TABLE "Note" ADD COLUMN "slug" TEXT NOT NULL DEFAULT lower('untitled');` },
  { title: "ADD COLUMN jsonb", sql: `ALTER TABLE "Note" ADD COLUMN "meta" JSONB;` },
  { title: "ALTER TYPE ADD VALUE (PostgreSQL >= 12: in a transaction, no table lock)", sql: `ALTER TYPE "JobOutcome" ADD VALUE 'cancelled' AFTER 'skipped';` },
  { title: "CREATE DOMAIN without a constraint", sql: `CREATE DOMAIN "Slug" AS TEXT;` },
  {
    title: "an exclusion constraint on a table created in the same migration",
    sql: `CREATE TABLE "Booking" ("id" TEXT NOT NULL, "room" TEXT NOT NULL, "during" TSTZRANGE NOT NULL);\nALTER TABLE "Booking" ADD CONSTRAINT "Booking_no_overlap" EXCLUDE USING gist ("room" WITH =, "during" WITH &&);`,
  },
  { title: "DETACH PARTITION CONCURRENTLY alone in its migration", sql: `ALTER TABLE "PerformanceMetric" DETACH PARTITION "PerformanceMetric_2026_11" CONCURRENTLY;` },
  { title: "REINDEX INDEX CONCURRENTLY alone in its migration", sql: `REINDEX INDEX CONCURRENTLY "Note_userId_idx";` },
  { title: "plain VACUUM alone in its migration", sql: `VACUUM (ANALYZE) "ErrorLog";` },
  { title: "TRUNCATE of a table created in the same migration", sql: `CREATE TABLE "Scratch" ("id" TEXT NOT NULL);\nTRUNCATE "Scratch";` },
  { title: "a shorter lock_timeout and a bounded statement_timeout", sql: `SET LOCAL lock_timeout = '2s';\nSET statement_timeout = '1h';\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;` },
  { title: "a SAVEPOINT inside deploy's transaction", sql: `SAVEPOINT "before_summary";\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nRELEASE SAVEPOINT "before_summary";` },
  {
    title: "everything on a table created in the same migration",
    sql: [
      `-- CreateTable`,
      `CREATE TABLE "Tag" ("id" TEXT NOT NULL, "noteId" TEXT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"));`,
      `CREATE INDEX "Tag_noteId_idx" ON "Tag"("noteId");`,
      `CREATE UNIQUE INDEX "Tag_name_key" ON "Tag"("name");`,
      `ALTER TABLE "Tag" ADD COLUMN "color" TEXT NOT NULL;`,
      `ALTER TABLE "Tag" ADD COLUMN "publicId" UUID NOT NULL DEFAULT gen_random_uuid();`,
      `ALTER TABLE "Tag" ALTER COLUMN "name" SET DATA TYPE VARCHAR(64);`,
      `ALTER TABLE "Tag" ALTER COLUMN "color" DROP NOT NULL, ALTER COLUMN "color" SET NOT NULL;`,
      `ALTER TABLE "Tag" ADD CONSTRAINT "Tag_noteId_fkey" FOREIGN KEY ("noteId") REFERENCES "Note"("id") ON DELETE CASCADE;`,
      `ALTER TABLE "Tag" ADD CONSTRAINT "Tag_color_key" UNIQUE ("color");`,
      `ALTER TABLE "Tag" RENAME COLUMN "color" TO "colour";`,
      `DROP INDEX "Tag_name_key";`,
      `ALTER TABLE "Tag" DROP COLUMN "colour";`,
    ].join("\n"),
  },
  {
    title: "a table created, renamed and indexed in the same migration",
    sql: `CREATE TABLE "Label" ("id" TEXT NOT NULL);\nALTER TABLE "Label" RENAME TO "NoteLabel";\nCREATE INDEX "NoteLabel_id_idx" ON "NoteLabel"("id");`,
  },
  {
    title: "tables linked by a foreign key created in the same migration are one change",
    sql: `CREATE TABLE "Comment" ("id" TEXT NOT NULL, "noteId" TEXT NOT NULL);\nALTER TABLE "Comment" ADD CONSTRAINT "Comment_noteId_fkey" FOREIGN KEY ("noteId") REFERENCES "Note"("id");\nALTER TABLE "Note" ADD COLUMN "commentCount" INTEGER NOT NULL DEFAULT 0;`,
  },
  { title: "a descriptive name", name: "20261201000000_add_user_avatar_column", sql: `ALTER TABLE "User" ADD COLUMN "avatarUrl" TEXT;` },
  { title: "a name with one specific word", name: "20261201000000_create_initial_schema", sql: `ALTER TABLE "User" ADD COLUMN "avatarUrl" TEXT;` },
].map((c) => ({ ...c, expected: [] }));

describe("migration lint rules", () => {
  it("has a bad case for every statement and migration rule", () => {
    const covered = new Set(BAD.map((c) => c.expected[0]?.[0]));
    const elsewhere: RuleId[] = ["applied-migration-modified", "suppression-missing-reason", "suppression-unknown-rule"];
    expect(RULE_IDS.filter((id) => !covered.has(id) && !elsewhere.includes(id))).toEqual([]);
  });

  it.each(BAD)("flags $title", async (c) => {
    const result = await lint(c.sql, { ...(c.name && { name: c.name }), ...(c.before && { before: c.before }) });
    expect(ruleLines(result.findings)).toEqual(c.expected);
  });

  it.each(GOOD)("accepts $title", async (c) => {
    const result = await lint(c.sql, { ...(c.name && { name: c.name }), ...(c.before && { before: c.before }) });
    expect(ruleLines(result.findings)).toEqual([]);
  });

  it("says why and how for every finding, with the statement and its column", async () => {
    const sql = `COMMENT ON TABLE "Note" IS 'Notizen – ü ✓'; DROP INDEX "Note_pinned_idx";`;
    const [finding] = (await lint(sql)).findings;
    expect(finding).toMatchObject({
      rule: "drop-index-without-concurrently",
      severity: "error",
      migration: NAME,
      file: `${NAME}/migration.sql`,
      line: 1,
      column: sql.indexOf("DROP") + 1,
      statement: `DROP INDEX "Note_pinned_idx"`,
    });
    expect(finding?.message).toContain(`"Note_pinned_idx"`);
    expect(finding?.why).toMatch(/ACCESS EXCLUSIVE/);
    expect(finding?.fix).toMatch(/DROP INDEX CONCURRENTLY/);
  });

  it("reports an applied migration known to be modified, at the top of the file", async () => {
    const result = await lintMigration(NAME, `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;`, { modified: "the checksums differ." });
    expect(ruleLines(result.findings)).toEqual([["applied-migration-modified", 1]]);
    expect(result.findings[0]?.severity).toBe("error");
  });

  it("a rule with a `since` spares migrations named before it (applied before the rule existed)", async () => {
    const sql = `ALTER TABLE "User" ADD COLUMN "fullName" TEXT;\nUPDATE "User" SET "fullName" = "name";`;
    const older = await lintMigration("20261202000000_add_user_full_name", sql);
    expect(older.findings).toEqual([]);
    expect(ruleLines(older.suppressed)).toEqual([["backfill-in-schema-migration", 2]]);
    const newer = await lintMigration("20261203120000_add_user_full_name", sql);
    expect(ruleLines(newer.findings)).toEqual([["backfill-in-schema-migration", 2]]);
  });

  it("the unrelated-tables rule spares the initial migration only", async () => {
    const sql = `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nALTER TABLE "PerformanceMetric" ADD COLUMN "region" TEXT;`;
    expect((await lintMigration(NAME, sql, { initial: true })).findings).toEqual([]);
    const report = await lintMigrations([{ name: NAME, path: "a.sql", sql }], { before: [INITIAL] });
    expect(ruleLines(report.findings)).toEqual([["unrelated-tables", 2]]);
    expect(report.summary).toEqual({ errors: 0, warnings: 1, files: 1 });
  });
});

describe("lint-ignore suppressions", () => {
  const index = `CREATE INDEX "Project_name_idx" ON "Project"("name");`;

  it("a suppression with a reason silences that rule on the statement below", async () => {
    const result = await lint(`-- CreateIndex\n-- lint-ignore create-index-without-concurrently: "Project" holds a few hundred rows\n${index}`);
    expect(result.findings).toEqual([]);
    expect(ruleLines(result.suppressed)).toEqual([["create-index-without-concurrently", 3]]);
  });

  it("one directive may name several rules, and whole-migration findings sit on the first statement", async () => {
    const sql = `-- lint-ignore vague-migration-name, drop-column: the column was unused since release 41\nALTER TABLE "Note" DROP COLUMN "pinned";`;
    const result = await lint(sql, { name: "20261201000000_cleanup" });
    expect(result.findings).toEqual([]);
    expect(ruleLines(result.suppressed)).toEqual([
      ["drop-column", 2],
      ["vague-migration-name", 2],
    ]);
  });

  it("a suppression without a reason is an error and suppresses nothing", async () => {
    const result = await lint(`-- lint-ignore create-index-without-concurrently\n${index}`);
    expect(ruleLines(result.findings)).toEqual([
      ["suppression-missing-reason", 1],
      ["create-index-without-concurrently", 2],
    ]);
    expect(result.findings[0]?.severity).toBe("error");
  });

  it("an empty reason after the colon counts as none", async () => {
    const result = await lint(`-- lint-ignore create-index-without-concurrently:   \n${index}`);
    expect(ruleLines(result.findings)).toEqual([
      ["suppression-missing-reason", 1],
      ["create-index-without-concurrently", 2],
    ]);
  });

  it("a suppression naming an unknown rule is reported and suppresses nothing", async () => {
    const result = await lint(`-- lint-ignore create-index-concurrently: typo in the id\n${index}`);
    expect(ruleLines(result.findings)).toEqual([
      ["suppression-unknown-rule", 1],
      ["create-index-without-concurrently", 2],
    ]);
  });

  it("applies only directly above: a blank line or another statement in between breaks it", async () => {
    const blank = await lint(`-- lint-ignore create-index-without-concurrently: small table\n\n${index}`);
    expect(ruleLines(blank.findings)).toEqual([["create-index-without-concurrently", 3]]);
    const other = await lint(`-- lint-ignore drop-index-without-concurrently: small table\nDROP INDEX "Note_pinned_idx";\n${index}`);
    expect(ruleLines(other.findings)).toEqual([["create-index-without-concurrently", 3]]);
  });
});

describe("the project's own migrations", () => {
  it("lint clean, the initial migration included", async () => {
    const report = await lintMigrations(readMigrations(INITIAL_DIR));
    expect(report.findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.message}`)).toEqual([]);
    expect(report.summary.errors).toBe(0);
  });
});

describe("splitStatements", () => {
  it("cuts a migration into statements with their text, position and byte range", async () => {
    const sql = [
      `-- Café ✓ comments are not statements; neither is this ; one`,
      `CREATE TABLE "Ünïcode" ("id" TEXT NOT NULL DEFAULT 'a;b');`,
      `/* block */ CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."x" := 1; RETURN NEW; END $$;`,
      `CREATE INDEX CONCURRENTLY "i" ON "Ünïcode"("id")  -- trailing comment, no semicolon`,
      ``,
    ].join("\n");
    const statements = await splitStatements(sql);
    expect(statements.map((s) => [s.kind, s.line, s.column, s.concurrently, s.nonTransactional])).toEqual([
      ["CreateStmt", 2, 1, false, false],
      ["CreateFunctionStmt", 3, 13, false, false],
      ["IndexStmt", 4, 1, true, true],
    ]);
    expect(statements.map((s) => s.text)).toEqual([
      `CREATE TABLE "Ünïcode" ("id" TEXT NOT NULL DEFAULT 'a;b')`,
      `CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."x" := 1; RETURN NEW; END $$`,
      `CREATE INDEX CONCURRENTLY "i" ON "Ünïcode"("id")`,
    ]);
    const bytes = Buffer.from(sql, "utf8");
    for (const s of statements) {
      expect(sql.slice(s.start, s.end)).toBe(s.text);
      expect(bytes.subarray(s.byteStart, s.byteEnd).toString("utf8")).toBe(s.text);
    }
  });

  it("marks every statement PostgreSQL refuses inside a transaction", async () => {
    const sql = `DROP INDEX CONCURRENTLY "a"; REINDEX INDEX CONCURRENTLY "b"; ALTER TABLE "p" DETACH PARTITION "c" CONCURRENTLY; VACUUM "d"; ANALYZE "e"; CREATE INDEX "f" ON "g"("h");`;
    expect((await splitStatements(sql)).map((s) => s.nonTransactional)).toEqual([true, true, true, true, false, false]);
  });

  it("throws a SqlSyntaxError with the line and column PostgreSQL points at", async () => {
    const error = await splitStatements(`SELECT 1;\nSELECT FROM WHERE;`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlSyntaxError);
    expect(error).toMatchObject({ line: 2, column: 13 });
    expect((error as Error).message).toContain(`syntax error at or near "WHERE"`);
  });

  it("returns no statement for a script of comments", async () => {
    expect(await splitStatements(`-- nothing here\n/* nor here */\n`)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The command, run as a user runs it.

describe("dbctl migrate lint", () => {
  const bad = migrationFolder();
  const dir = bad.dir;
  bad.write(INITIAL.name, INITIAL.sql);
  const badPath = bad.write("20261201000000_index_note_title", `-- CreateIndex\nCREATE INDEX "Note_title_idx" ON "Note"("title");\n`);
  const warn = migrationFolder();
  const warnDir = warn.dir;
  warn.write(INITIAL.name, INITIAL.sql);
  warn.write("20261201000000_wip", `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\n`);

  it("lints the project's migrations by default and exits 0", async () => {
    const run = await runDbctl(["migrate", "lint"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("edits to applied migrations checked against git history");
    expect(run.stdout).toMatch(/0 errors, 0 warnings in \d+ migrations?( \(\d+ findings? suppressed with a reason\))?\./);
    expect(run.code).toBe(0);
  });

  it("exits 1 on an error and prints where, what, the statement, why and the fix", async () => {
    const run = await runDbctl(["migrate", "lint", dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${badPath}:2:1  error  create-index-without-concurrently`);
    expect(run.stdout).toContain(`| CREATE INDEX "Note_title_idx" ON "Note"("title")`);
    expect(run.stdout).toMatch(/why: CREATE INDEX without CONCURRENTLY holds a SHARE lock/);
    expect(run.stdout).toMatch(/fix: CREATE INDEX CONCURRENTLY, alone in its own migration/);
    expect(run.stdout).toContain("1 error, 0 warnings in 2 migrations");
  });

  it("takes a migration folder or its migration.sql as the path", async () => {
    for (const path of [badPath, join(dir, "20261201000000_index_note_title")]) {
      const run = await runDbctl(["migrate", "lint", path, "--format", "json"]);
      expect(run.code).toBe(1);
      const doc = JSON.parse(run.stdout);
      expect(doc.summary).toEqual({ errors: 1, warnings: 0, files: 1 });
    }
  });

  it("--format json prints one document of findings and a summary", async () => {
    const run = await runDbctl(["migrate", "lint", dir, "--format", "json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    const doc = JSON.parse(run.stdout) as { findings: Finding[]; summary: unknown };
    expect(doc.summary).toEqual({ errors: 1, warnings: 0, files: 2 });
    expect(doc.findings).toEqual([
      {
        rule: "create-index-without-concurrently",
        severity: "error",
        migration: "20261201000000_index_note_title",
        file: badPath,
        line: 2,
        column: 1,
        statement: `CREATE INDEX "Note_title_idx" ON "Note"("title")`,
        message: expect.stringContaining("without CONCURRENTLY"),
        why: expect.stringContaining("SHARE lock"),
        fix: expect.stringContaining("CREATE INDEX CONCURRENTLY"),
      },
    ]);
    const alias = await runDbctl(["migrate", "lint", dir, "--json"]);
    expect(JSON.parse(alias.stdout)).toEqual(doc);
  });

  it("exits 0 when there are only warnings", async () => {
    const run = await runDbctl(["migrate", "lint", warnDir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("warning  vague-migration-name");
    expect(run.stdout).toContain("0 errors, 1 warning in 2 migrations.");
  });

  it("refuses a bad format or a path that is not a migration, in one sentence", async () => {
    const format = await runDbctl(["migrate", "lint", "--format", "xml"]);
    expect(format.code).toBe(2);
    expect(format.stderr.trim()).toBe("Invalid --format for `dbctl migrate lint`: must be text or json.");
    const missing = await runDbctl(["migrate", "lint", "no/such/migration"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("no/such/migration does not exist.");
    const notMigration = await runDbctl(["migrate", "lint", "package.json"]);
    expect(notMigration.code).toBe(1);
    expect(notMigration.stderr.trim()).toMatch(/^package\.json is not a migration\.sql file; .*\.$/);
  });

  it("documents its rules and flags in --help", async () => {
    const run = await runDbctl(["migrate", "lint", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: dbctl migrate lint [paths...] [flags]");
    for (const id of RULE_IDS) expect(run.stdout).toContain(`  ${id} (`);
    for (const flag of ["--format <text|json>", "--json", "--url <url>"]) expect(run.stdout).toContain(flag);
  });
});

describe("dbctl migrate lint: edited migrations, from git history", () => {
  // A repository of its own: the migrations folder inside it is the folder migrationFolder() made.
  const repo = migrationFolder().dir;
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Lint Test", "-c", "user.email=lint@example.test", ...args], { cwd: repo, stdio: "pipe" });
  const name = "20261201000000_add_note_summary";
  const sql = `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\n`;
  git("init", "-q");
  mkdirSync(join(repo, "migrations", name), { recursive: true });
  const path = join(repo, "migrations", name, "migration.sql");
  writeFileSync(path, sql);

  it("a migration not committed yet is new, and fine", async () => {
    const run = await runDbctl(["migrate", "lint", join(repo, "migrations")]);
    expect(run.stdout).toContain("checked against git history");
    expect(run.code).toBe(0);
  });

  it("a committed migration changed in the work tree is reported", async () => {
    git("add", ".");
    git("commit", "-q", "-m", "add note summary");
    expect((await runDbctl(["migrate", "lint", path])).code).toBe(0);
    writeFileSync(path, `${sql}ALTER TABLE "Note" ADD COLUMN "excerpt" TEXT;\n`);
    const run = await runDbctl(["migrate", "lint", path, "--json"]);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as { findings: Finding[] };
    expect(doc.findings.map((f) => [f.rule, f.line, f.message])).toEqual([["applied-migration-modified", 1, expect.stringContaining("uncommitted changes")]]);
  });

  it("a migration changed by a commit after its first one is reported", async () => {
    git("commit", "-q", "-am", "edit the applied migration");
    const run = await runDbctl(["migrate", "lint", path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${path}:1:1  error  applied-migration-modified`);
    expect(run.stdout).toMatch(/git shows 1 commit changing it \([0-9a-f]+ \d{4}-\d\d-\d\d\) after it was first committed/);
  });
});

describe("dbctl migrate lint: edited migrations, against the database", async () => {
  const { url } = await createTestDatabase({ empty: true });
  const folder = migrationFolder();
  folder.write(INITIAL.name, INITIAL.sql);
  const applied = "20261201000000_add_note_summary";
  const appliedPath = folder.write(applied, `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\n`);

  it("deployed migrations whose files are unchanged pass", async () => {
    const deploy = await runDbctl(["migrate", "deploy", "--migrations-dir", folder.dir, "--url", url]);
    expect(deploy.stderr).toBe("");
    expect(deploy.code).toBe(0);
    const run = await runDbctl(["migrate", "lint", folder.dir, "--url", url]);
    expect(run.stdout).toContain("checked against _prisma_migrations at postgresql://");
    expect(run.stdout).toContain("0 errors, 0 warnings in 2 migrations.");
    expect(run.code).toBe(0);
  });

  it("a deployed migration changed afterwards is an error; a pending one is not checked", async () => {
    writeFileSync(appliedPath, `${readFileSync(appliedPath, "utf8")}-- an afterthought\n`);
    folder.write("20261202000000_add_note_excerpt", `ALTER TABLE "Note" ADD COLUMN "excerpt" TEXT;\n`);
    for (const [args, env] of [
      [["--url", url], {}],
      [[], { DIRECT_URL: url }],
    ] as const) {
      const run = await runDbctl(["migrate", "lint", folder.dir, "--format", "json", ...args], env);
      expect(run.code).toBe(1);
      const doc = JSON.parse(run.stdout) as { findings: Finding[]; summary: unknown };
      expect(doc.findings.map((f) => [f.rule, f.migration, f.line, f.column])).toEqual([["applied-migration-modified", applied, 1, 1]]);
      expect(doc.findings[0]?.message).toMatch(/_prisma_migrations records checksum [0-9a-f]{12}, the file's is now [0-9a-f]{12}\./);
      expect(doc.summary).toEqual({ errors: 1, warnings: 0, files: 3 });
    }
  });

  it("an unreachable database is one sentence and exit 1", async () => {
    const run = await runDbctl(["migrate", "lint", folder.dir, "--url", "postgresql://nobody:secret-pw@127.0.0.1:1/none"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^Could not connect to postgresql:\/\/nobody:\*\*\*\*@127\.0\.0\.1:1\/none: .*\.$/);
    expect(run.stderr).not.toContain("secret-pw");
    const json = await runDbctl(["migrate", "lint", folder.dir, "--format", "json", "--url", "postgresql://nobody:secret-pw@127.0.0.1:1/none"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: "CONNECTION_FAILED", message: json.stderr.trim(), details: { database: "postgresql://nobody:****@127.0.0.1:1/none" } } });
    expect(json.stdout).not.toContain("secret-pw");
  });
});
