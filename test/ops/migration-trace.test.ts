import { describe, expect, it } from "vitest";
import { readMigrations, type MigrationFile } from "../../src/ops/migrations/files.ts";
import { fingerprint } from "../../src/ops/migrations/fingerprint.ts";
import { lintMigrations } from "../../src/ops/migrations/lint/index.ts";
import { traceMigrations, type TraceReport } from "../../src/ops/migrations/trace.ts";
import { withConnection } from "../../src/ops/sql.ts";
import { REPO_ROOT, runDbctl } from "../cli/run-dbctl.ts";
import { createTestDatabase } from "../support/database.ts";
import { tempProject } from "./rollback-folder.ts";
import { join } from "node:path";
import { cpSync } from "node:fs";

/**
 * The locks each statement really takes, observed in pg_locks while it runs: and, for every lock
 * rule of the linter, that the linter's claim and PostgreSQL's behaviour agree.
 */

// The target: the project's migrations applied (the template database), one note in it.
const { url } = await createTestDatabase();
const PROJECT_MIGRATIONS = readMigrations(join(REPO_ROOT, "prisma/migrations"));
let counter = 0;

const migration = (sql: string): MigrationFile => {
  const name = `2027010100${String(counter++).padStart(4, "0")}_trace_case_${counter}`;
  return { name, path: `${name}/migration.sql`, sql, checksum: "x" };
};

/** Traces one pending migration (after `before`, pending too) on top of the project's, as `migrate trace` would. */
function trace(sql: string, before: string[] = []): Promise<TraceReport> {
  return traceMigrations(url, [...PROJECT_MIGRATIONS, ...before.map(migration), migration(sql)]);
}

/** The last migration's statement, traced. */
const statementOf = (report: TraceReport, statement = 0) => report.migrations.at(-1)?.statements[statement];
const locksOf = (report: TraceReport, statement = 0) => statementOf(report, statement)?.locks.map((l) => [l.relation, l.mode, l.blocks.join("+") || "neither"]);

/** The lint errors of a migration, linted on top of the project's migrations (and `before`). */
async function rulesOf(sql: string, before: string[] = []): Promise<string[]> {
  const report = await lintMigrations([migration(sql)], { before: [...PROJECT_MIGRATIONS, ...before.map(migration)] });
  return report.findings.filter((f) => f.severity === "error").map((f) => f.rule);
}

interface LockCase {
  title: string;
  sql: string;
  /** The lint rule that claims this statement blocks traffic, or none for its safe recipe. */
  rule?: string;
  /** [relation, mode, what it blocks] for the statement's locks on the tables traffic uses. */
  locks: [string, string, string][];
  /** The tables whose storage it replaced (a rewrite, or TRUNCATE): none unless said. */
  rewrites?: string[];
  /** Pending migrations before it, traced too (what it needs: a partitioned table, a domain). */
  before?: string[];
}

const PARTITIONED = `CREATE TABLE "MetricArchive" ("at" TIMESTAMP(3) NOT NULL, "value" DOUBLE PRECISION) PARTITION BY RANGE ("at");
CREATE TABLE "MetricArchive_2026" PARTITION OF "MetricArchive" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');`;
const DOMAIN = `CREATE DOMAIN "Score" AS INTEGER;\nCREATE TABLE "Rating" ("score" "Score");`;

const CASES: LockCase[] = [
  {
    title: "a plain CREATE INDEX holds a ShareLock on its table: writes wait",
    sql: `CREATE INDEX "Note_title_idx" ON "Note"("title");`,
    rule: "create-index-without-concurrently",
    locks: [[`"Note"`, "ShareLock", "writes"]],
  },
  {
    title: "CREATE INDEX CONCURRENTLY holds a ShareUpdateExclusiveLock: reads and writes go on",
    sql: `CREATE INDEX CONCURRENTLY "Note_title_idx" ON "Note"("title");`,
    locks: [[`"Note"`, "ShareUpdateExclusiveLock", "neither"]],
  },
  {
    title: "ADD COLUMN ... DEFAULT now() takes an AccessExclusiveLock only for an instant: no rewrite",
    sql: `ALTER TABLE "Note" ADD COLUMN "importedAt" TIMESTAMPTZ NOT NULL DEFAULT now();`,
    locks: [[`"Note"`, "AccessExclusiveLock", "reads+writes"]],
  },
  {
    title: "a type change holds an AccessExclusiveLock while it rewrites the table",
    sql: `ALTER TABLE "PerformanceMetric" ALTER COLUMN "status" TYPE BIGINT;`,
    rule: "alter-column-type",
    locks: [[`"PerformanceMetric"`, "AccessExclusiveLock", "reads+writes"]],
    rewrites: [`"PerformanceMetric"`],
  },
  {
    title: "a foreign key without NOT VALID locks both tables against writes",
    sql: `ALTER TABLE "Note" ADD CONSTRAINT "Note_project_check_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id");`,
    rule: "constraint-without-not-valid",
    locks: [
      [`"Note"`, "ShareRowExclusiveLock", "writes"],
      [`"Project"`, "ShareRowExclusiveLock", "writes"],
    ],
  },
  {
    title: "VALIDATE CONSTRAINT in a later migration takes a ShareUpdateExclusiveLock",
    sql: `ALTER TABLE "Note" VALIDATE CONSTRAINT "Note_projectId_fkey";`,
    locks: [[`"Note"`, "ShareUpdateExclusiveLock", "neither"]],
  },
  {
    title: "DROP INDEX without CONCURRENTLY takes an AccessExclusiveLock on the table",
    sql: `DROP INDEX "Note_userId_deletedAt_pinned_idx";`,
    rule: "drop-index-without-concurrently",
    locks: [
      [`"Note"`, "AccessExclusiveLock", "reads+writes"],
      [`"Note_userId_deletedAt_pinned_idx"`, "AccessExclusiveLock", "reads+writes"],
    ],
  },
  {
    title: "SET NOT NULL holds an AccessExclusiveLock while it scans",
    sql: `ALTER TABLE "Note" ALTER COLUMN "projectId" SET NOT NULL;`,
    rule: "set-not-null",
    locks: [[`"Note"`, "AccessExclusiveLock", "reads+writes"]],
  },
  {
    title: "a volatile default rewrites the table under an AccessExclusiveLock",
    sql: `ALTER TABLE "Note" ADD COLUMN "publicId" UUID DEFAULT gen_random_uuid();`,
    rule: "add-column-volatile-default",
    locks: [[`"Note"`, "AccessExclusiveLock", "reads+writes"]],
    rewrites: [`"Note"`],
  },
  {
    title: "ADD CONSTRAINT UNIQUE builds its index under an AccessExclusiveLock",
    sql: `ALTER TABLE "Project" ADD CONSTRAINT "Project_id_name_key" UNIQUE ("id", "name");`,
    rule: "unique-constraint-without-index",
    locks: [[`"Project"`, "AccessExclusiveLock", "reads+writes"]],
  },
  {
    title: "the unique index built CONCURRENTLY first takes a ShareUpdateExclusiveLock",
    sql: `CREATE UNIQUE INDEX CONCURRENTLY "Project_id_name_key" ON "Project"("id", "name");`,
    locks: [[`"Project"`, "ShareUpdateExclusiveLock", "neither"]],
  },
  {
    title: "an exclusion constraint builds its index under an AccessExclusiveLock",
    sql: `ALTER TABLE "Project" ADD CONSTRAINT "Project_id_excl" EXCLUDE USING btree ("id" WITH =);`,
    rule: "exclusion-constraint",
    locks: [[`"Project"`, "AccessExclusiveLock", "reads+writes"]],
  },
  {
    title: "REINDEX without CONCURRENTLY locks the table against writes and the index against reads",
    sql: `REINDEX INDEX "Note_pinned_idx";`,
    rule: "reindex-without-concurrently",
    locks: [
      [`"Note"`, "ShareLock", "writes"],
      [`"Note_pinned_idx"`, "AccessExclusiveLock", "reads+writes"],
    ],
  },
  {
    title: "REINDEX CONCURRENTLY takes ShareUpdateExclusiveLocks only",
    sql: `REINDEX INDEX CONCURRENTLY "Note_pinned_idx";`,
    locks: [[`"Note"`, "ShareUpdateExclusiveLock", "neither"]],
  },
  {
    title: "VACUUM FULL rewrites the table under an AccessExclusiveLock (seen queued behind the open reader)",
    sql: `VACUUM FULL "Note";`,
    rule: "vacuum-full-or-cluster",
    locks: [[`"Note"`, "AccessExclusiveLock", "reads+writes"]],
    rewrites: [`"Note"`],
  },
  {
    title: "SET UNLOGGED rewrites the table under an AccessExclusiveLock",
    sql: `ALTER TABLE "PerformanceMetric" SET UNLOGGED;`,
    rule: "alter-table-rewrite",
    locks: [[`"PerformanceMetric"`, "AccessExclusiveLock", "reads+writes"]],
    rewrites: [`"PerformanceMetric"`],
  },
  {
    title: "TRUNCATE replaces the table's storage under an AccessExclusiveLock",
    sql: `TRUNCATE "PerformanceMetric";`,
    rule: "truncate-table",
    locks: [[`"PerformanceMetric"`, "AccessExclusiveLock", "reads+writes"]],
    rewrites: [`"PerformanceMetric"`],
  },
  {
    title: "DETACH PARTITION locks the partitioned table against reads and writes",
    before: [PARTITIONED],
    sql: `ALTER TABLE "MetricArchive" DETACH PARTITION "MetricArchive_2026";`,
    rule: "detach-partition-without-concurrently",
    locks: [[`"MetricArchive"`, "AccessExclusiveLock", "reads+writes"]],
  },
  {
    title: "ALTER DOMAIN ... ADD CONSTRAINT checks every column of the domain, blocking writes",
    before: [DOMAIN],
    sql: `ALTER DOMAIN "Score" ADD CONSTRAINT "Score_positive" CHECK (VALUE > 0);`,
    rule: "alter-domain-add-constraint",
    locks: [[`"Rating"`, "ShareLock", "writes"]],
  },
];

describe("dbctl migrate trace: the locks PostgreSQL really takes", () => {
  it.each(CASES)("$title", async (c) => {
    const report = await trace(c.sql, c.before);
    expect(report.failure).toBeUndefined();
    expect(locksOf(report)).toEqual(expect.arrayContaining(c.locks));
    expect(statementOf(report)?.rewrites).toEqual(c.rewrites ?? []);
    // The linter says the same: its rule fires on the statements that block reads or writes for
    // as long as work proportional to the table takes, and not on their safe recipes.
    const rules = await rulesOf(c.sql, c.before);
    if (c.rule) expect(rules).toContain(c.rule);
    else {
      expect(rules).toEqual([]);
      // Nothing blocks the table's traffic. (REINDEX CONCURRENTLY does take an AccessExclusiveLock
      // on the old index, "…_ccold", for the moment it drops it, once no query can use it; a
      // sample sees it or not, so only the tables the case names are held to this.)
      const tables = new Set(c.locks.map(([relation]) => relation));
      if (!c.sql.includes("DEFAULT now()")) expect(statementOf(report)?.locks.filter((l) => tables.has(l.relation) && l.blocks.length > 0)).toEqual([]);
    }
  });

  it("a backfill in the migration that altered the table runs under the ALTER's AccessExclusiveLock, which the linter flags", async () => {
    const sql = `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nUPDATE "Note" SET "summary" = "title";`;
    const report = await trace(sql);
    const [alter, backfill] = report.migrations.at(-1)?.statements ?? [];
    const lock = alter?.locks.find((l) => l.mode === "AccessExclusiveLock" && l.relation === `"Note"`);
    expect(lock?.heldMs).toBeGreaterThanOrEqual((alter?.durationMs ?? 0) + (backfill?.durationMs ?? 0));
    expect(await rulesOf(sql)).toContain("backfill-in-schema-migration");
  });

  it("a lock taken early in a transaction is held until COMMIT: later statements add to its time", async () => {
    const report = await trace(`ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nSELECT pg_sleep(0.2);`);
    const [first, second] = report.migrations[0]?.statements ?? [];
    const lock = first?.locks.find((l) => l.relation === `"Note"` && l.mode === "AccessExclusiveLock");
    expect(lock).toBeDefined();
    // Its hold time spans the sleep that came after it, in the same transaction.
    expect(lock?.heldMs).toBeGreaterThanOrEqual((first?.durationMs ?? 0) + (second?.durationMs ?? 0));
    expect(second?.locks.some((l) => l.relation === `"Note"`)).toBe(false);
  });

  it("leaves out locks on tables the migration itself creates: nobody else can see them yet", async () => {
    const report = await trace(`CREATE TABLE "Tag" ("id" TEXT PRIMARY KEY);\nCREATE INDEX "Tag_id_idx" ON "Tag"("id");`);
    expect(report.failure).toBeUndefined();
    expect(report.migrations[0]?.statements.flatMap((s) => s.locks.map((l) => l.relation)).filter((r) => r.includes("Tag"))).toEqual([]);
  });

  it("stops at a statement that fails, with the database's error, and rolls the migration back", async () => {
    const report = await trace(`ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nALTER TABLE "Note" ADD COLUMN "summary" TEXT;`);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatchObject({ statement: 2, message: expect.stringMatching(/already exists.*42701/) });
  });
});

describe("dbctl migrate trace (the command)", () => {
  const project = tempProject();
  cpSync(join(REPO_ROOT, "prisma/migrations"), project.migrationsDir, { recursive: true });
  project.add("20270101000000_index_note_title", `CREATE INDEX "Note_title_idx" ON "Note"("title");\n`);
  project.add("20270101000001_index_note_project_concurrently", `CREATE INDEX CONCURRENTLY "Note_projectId_title_idx" ON "Note"("projectId", "title");\n`);

  const state = () =>
    withConnection(url, async (db) => ({
      schema: await fingerprint(db),
      history: (await db.query(`SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name`)).rows,
    }));

  it("--json reports each pending migration's statements and locks, and leaves the target unchanged", async () => {
    const before = await state();
    const result = await runDbctl(["migrate", "trace", "--json", "--migrations-dir", project.migrationsDir], { DATABASE_URL: url });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.migrations.map((m: { name: string }) => m.name)).toEqual(["20270101000000_index_note_title", "20270101000001_index_note_project_concurrently"]);
    expect(report.migrations[0].statements[0]).toMatchObject({
      sql: `CREATE INDEX "Note_title_idx" ON "Note"("title")`,
      durationMs: expect.any(Number),
      locks: expect.arrayContaining([{ relation: `"Note"`, mode: "ShareLock", blocks: ["writes"], heldMs: expect.any(Number) }]),
    });
    expect(report.migrations[1]).toMatchObject({ transactional: false });
    expect(report.migrations[1].statements[0].locks).toEqual(expect.arrayContaining([expect.objectContaining({ relation: `"Note"`, mode: "ShareUpdateExclusiveLock", blocks: [] })]));
    // Nothing was applied to the target, and its scratch copy is gone.
    expect(await state()).toEqual(before);
    const { rows } = await withConnection(url, (db) => db.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname = $1`, [report.scratchDatabase]));
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("prints a table for people, naming what each lock blocks", async () => {
    const result = await runDbctl(["migrate", "trace", "--migrations-dir", project.migrationsDir], { DATABASE_URL: url });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/20270101000000_index_note_title/);
    expect(result.stdout).toMatch(/"Note" ShareLock \(blocks writes\)/);
    expect(result.stdout).toMatch(/"Note" ShareUpdateExclusiveLock \(blocks neither reads nor writes\)/);
  });

  it("with nothing pending, says so and exits 0", async () => {
    const result = await runDbctl(["migrate", "trace", "--json"], { DATABASE_URL: url });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, migrations: [] });
  });

  const broken = tempProject();
  cpSync(join(REPO_ROOT, "prisma/migrations"), broken.migrationsDir, { recursive: true });
  broken.add("20270101000000_add_note_summary_twice", `ALTER TABLE "Note" ADD COLUMN "summary" TEXT;\nALTER TABLE "Note" ADD COLUMN "title" TEXT;\n`);

  it("a migration that fails on the target's schema is exit 1, with the statement and the error", async () => {
    const result = await runDbctl(["migrate", "trace", "--migrations-dir", broken.migrationsDir], { DATABASE_URL: url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/20270101000000_add_note_summary_twice.*statement 2.*already exists/);
  });
});
