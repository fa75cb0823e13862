import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { main as dbctlMain } from "../../src/cli/main.ts";
import { driftCheck, ENGINE_BINARY, PRISMA_CLI } from "../../src/ops/prisma-engine/drift-check.ts";
import { runProcess } from "../../src/ops/process.ts";
import { connect, quoteIdent } from "../../src/ops/sql.ts";
import { REPO_ROOT } from "../cli/run-dbctl.ts";
import { createTestDatabase } from "../support/database.ts";

// Prisma's own CLI (node_modules/prisma), its schema engine replaced by bin/prisma-schema-engine,
// against real PostgreSQL; dbctl reads and writes the same `_prisma_migrations`.

const MIGRATIONS = join(REPO_ROOT, "prisma/migrations");
const SCHEMA = join(REPO_ROOT, "prisma/schema.prisma");
const INITIAL = "20261125083000_create_initial_schema";
const INITIAL_SQL = readFileSync(join(MIGRATIONS, INITIAL, "migration.sql"), "utf8");
const INITIAL_SCHEMA = join(REPO_ROOT, "test/ops/prisma-engine/initial-schema.prisma");
const repoMigrations = () => readdirSync(MIGRATIONS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const SLOW = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `prisma <args>` as `npm run prisma` runs it, with only the database URLs of the test's own. */
function prisma(args: string[], url: string): Promise<Run> {
  return runProcess(process.execPath, [PRISMA_CLI, ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: url,
      DIRECT_URL: url,
      PRISMA_SCHEMA_ENGINE_BINARY: ENGINE_BINARY,
      CHECKPOINT_DISABLE: "1",
      NO_COLOR: "1",
    },
  });
}

/** bin/prisma-schema-engine itself, as the CLI starts it: arguments, then requests on stdin. */
function engine(args: string[], stdin: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(ENGINE_BINARY, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      // Answer the engine's `print` requests as the CLI does.
      for (const line of chunk.split("\n").filter((l) => l.includes('"method":"print"'))) {
        child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: (JSON.parse(line) as { id: string }).id, result: {} })}\n`);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    // Requests first; stdin ends once every answer is in, as when the CLI stops the engine.
    child.stdin.write(stdin);
    const expected = stdin.split("\n").filter(Boolean).length;
    const timer = setInterval(() => {
      const answers = stdout.split("\n").filter((l) => l.includes('"result"') || l.includes('"error"')).length;
      if (answers >= expected) {
        clearInterval(timer);
        child.stdin.end();
      }
    }, 50);
  });
}

interface DbctlStatus {
  applied: { name: string }[];
  pending: string[];
  failed: { name: string }[];
  upToDate: boolean;
}

async function dbctl(args: string[], url: string): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await dbctlMain(args, { env: { DATABASE_URL: url }, cwd: REPO_ROOT, stdout: (t) => (stdout += `${t}\n`), stderr: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

async function dbctlStatus(url: string, migrationsDir = "prisma/migrations"): Promise<DbctlStatus & { code: number | null }> {
  const run = await dbctl(["migrate", "status", "--json", "--migrations-dir", migrationsDir], url);
  return { code: run.code, ...(JSON.parse(run.stdout) as DbctlStatus) };
}

const scratch = mkdtempSync(join(tmpdir(), "prisma-engine-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Databases Prisma creates itself, dropped when the file ends. */
const notCreatedByHelper: string[] = [];
afterAll(async () => {
  const admin = await connect(inject("pg").adminUrl);
  try {
    for (const name of notCreatedByHelper) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.close();
  }
});

/**
 * A project of its own for Prisma: a schema, a migrations folder and a prisma.config.ts (a plain
 * object, so it loads from outside the repository) reading DATABASE_URL as the real one does.
 */
function project(name: string, options: { schema: string; migrations?: string }): { dir: string; config: string; migrations: string } {
  const dir = join(scratch, name);
  const migrations = join(dir, "migrations");
  mkdirSync(migrations, { recursive: true });
  if (options.migrations) cpSync(options.migrations, migrations, { recursive: true });
  writeFileSync(join(dir, "schema.prisma"), options.schema);
  const config = join(dir, "prisma.config.ts");
  writeFileSync(config, `export default { schema: "schema.prisma", migrations: { path: "migrations" }, datasource: { url: process.env.DATABASE_URL } };\n`);
  return { dir, config, migrations };
}

/** Adds a nullable `color` column to Note in a copy of a schema. */
function withNoteColor(schema: string): string {
  const changed = schema.replace(/^(model Note \{\n)/m, "$1  color     String?\n");
  expect(changed).not.toBe(schema);
  return changed;
}

async function migrationRows(url: string) {
  const db = await connect(url);
  try {
    const columns = await db.query(
      `SELECT column_name, data_type, is_nullable, column_default, character_maximum_length
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    return { columns: columns.rows, rows: rows.rows };
  } finally {
    await db.close();
  }
}

describe("Prisma's migrate commands through bin/prisma-schema-engine", () => {
  describe.concurrent("each on a database of its own", () => {
    it("generates exactly the committed first migration from its schema", { timeout: SLOW }, async () => {
      const { url } = await createTestDatabase({ empty: true });

      // `migrate dev` on an empty migrations folder writes the committed migration byte for byte.
      const fresh = project("first-migration", { schema: readFileSync(INITIAL_SCHEMA, "utf8") });
      const dev = await prisma(["migrate", "dev", "--create-only", "--name", "create_initial_schema", "--config", fresh.config], url);
      expect(dev.code, dev.stdout + dev.stderr).toBe(0);
      const [created] = readdirSync(fresh.migrations).filter((name) => name.endsWith("_create_initial_schema"));
      expect(created).toMatch(/^\d{14}_create_initial_schema$/);
      expect(readFileSync(join(fresh.migrations, created as string, "migration.sql"), "utf8")).toBe(INITIAL_SQL);
      expect(readFileSync(join(fresh.migrations, "migration_lock.toml"), "utf8")).toBe(readFileSync(join(MIGRATIONS, "migration_lock.toml"), "utf8"));

      // `migrate diff --from-empty` says the same, after one statement of its own: an empty
      // source has no schema at all, so Prisma 7 creates `public` first.
      const out = join(scratch, "from-empty.sql");
      const diff = await prisma(["migrate", "diff", "--from-empty", "--to-schema", INITIAL_SCHEMA, "--script", "--output", out], url);
      expect(diff.code, diff.stdout + diff.stderr).toBe(0);
      expect(readFileSync(out, "utf8").trimEnd()).toBe(`-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n${INITIAL_SQL}`.trimEnd());
    });

    it("drift check: passes on the repository, exits 2 when the schema changed without a migration", { timeout: SLOW }, async () => {
      const server = inject("pg").adminUrl;
      let output = "";
      const capture = { stdout: (t: string) => (output += t), stderr: (t: string) => (output += t) };
      expect(await driftCheck({ schema: SCHEMA, migrations: MIGRATIONS, databaseUrl: server }, capture), output).toBe(0);
      expect(output).toContain("No difference detected.");

      const changed = join(scratch, "changed.prisma");
      writeFileSync(changed, withNoteColor(readFileSync(SCHEMA, "utf8")));
      output = "";
      expect(await driftCheck({ schema: changed, migrations: MIGRATIONS, databaseUrl: server }, capture), output).toBe(2);
      expect(output).toContain("[*] Changed the `Note` table");
      expect(output).toContain("[+] Added column `color`");
      expect(output).toContain("Drift:");
    });

    it("migrate status agrees with dbctl: pending, up to date, failed; resolve --rolled-back clears the failure", { timeout: SLOW }, async () => {
      const { url } = await createTestDatabase({ empty: true });
      const names = repoMigrations();

      const before = await prisma(["migrate", "status"], url);
      expect(before.code).toBe(1);
      expect(before.stdout).toContain(`have not yet been applied:\n${names.join("\n")}\n`);
      const dbctlBefore = await dbctlStatus(url);
      expect(dbctlBefore).toMatchObject({ code: 1, pending: names, failed: [], upToDate: false });

      expect((await dbctl(["migrate", "deploy"], url)).code).toBe(0);
      const after = await prisma(["migrate", "status"], url);
      expect(after.code, after.stdout + after.stderr).toBe(0);
      expect(after.stdout).toContain("Database schema is up to date!");
      expect(await dbctlStatus(url)).toMatchObject({ code: 0, pending: [], failed: [], upToDate: true });

      // A migration that fails, applied by dbctl: both report it failed, by name.
      const broken = "29990101000000_fails_on_purpose";
      const failing = project("failing", { schema: readFileSync(SCHEMA, "utf8"), migrations: MIGRATIONS });
      mkdirSync(join(failing.migrations, broken));
      writeFileSync(join(failing.migrations, broken, "migration.sql"), `CREATE TABLE "Doomed" ("id" INTEGER);\nSELECT 1 / 0;\n`);
      expect((await dbctl(["migrate", "deploy", "--migrations-dir", failing.migrations], url)).code).toBe(1);
      const failed = await prisma(["migrate", "status", "--config", failing.config], url);
      expect(failed.code).toBe(1);
      expect(failed.stdout + failed.stderr).toContain(`Following migration have failed:\n${broken}\n`);
      expect(await dbctlStatus(url, failing.migrations)).toMatchObject({ code: 1, failed: [{ name: broken }], pending: [] });

      const resolve = await prisma(["migrate", "resolve", "--rolled-back", broken, "--config", failing.config], url);
      expect(resolve.code, resolve.stdout + resolve.stderr).toBe(0);
      expect(resolve.stdout).toContain(`Migration ${broken} marked as rolled back.`);
      expect(await dbctlStatus(url, failing.migrations)).toMatchObject({ code: 1, failed: [], pending: [broken] });
      const { rows } = await migrationRows(url);
      expect(rows.find((row) => row.migration_name === broken)).toMatchObject({ finished_at: null, rolled_back_at: expect.any(Date) });
    });

    it("deploy -> rollback -> deploy round-trips, with prisma migrate status agreeing with dbctl at each step", { timeout: SLOW }, async () => {
      const { url } = await createTestDatabase({ empty: true });
      const names = repoMigrations();
      const newest = names.at(-1) as string;

      expect((await dbctl(["migrate", "deploy"], url)).code).toBe(0);
      expect((await prisma(["migrate", "status"], url)).stdout).toContain("Database schema is up to date!");

      const rolledBack = await dbctl(["migrate", "rollback", "--json"], url);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(JSON.parse(rolledBack.stdout).rolledBack).toEqual([newest]);
      const afterRollback = await prisma(["migrate", "status"], url);
      expect(afterRollback.code).toBe(1);
      expect(afterRollback.stdout).toContain(`have not yet been applied:\n${newest}\n`);
      expect(await dbctlStatus(url)).toMatchObject({ code: 1, pending: [newest], failed: [], upToDate: false });

      // Prisma itself re-applies what dbctl rolled back; then dbctl rolls back everything and re-deploys.
      const prismaDeploy = await prisma(["migrate", "deploy"], url);
      expect(prismaDeploy.code, prismaDeploy.stdout + prismaDeploy.stderr).toBe(0);
      expect(await dbctlStatus(url)).toMatchObject({ code: 0, pending: [], upToDate: true });
      expect((await dbctl(["migrate", "rollback", "--steps", String(names.length)], url)).code).toBe(0);
      const allPending = await prisma(["migrate", "status"], url);
      expect(allPending.stdout).toContain(`have not yet been applied:\n${names.join("\n")}\n`);
      expect(await dbctlStatus(url)).toMatchObject({ code: 1, pending: names });
      expect((await dbctl(["migrate", "deploy"], url)).code).toBe(0);
      const final = await prisma(["migrate", "status"], url);
      expect(final.code, final.stdout + final.stderr).toBe(0);
      expect(final.stdout).toContain("Database schema is up to date!");
      // Every rolled-back row is kept for the audit trail, next to the row of its re-apply.
      const { rows } = await migrationRows(url);
      expect(rows.filter((row) => row.migration_name === newest)).toHaveLength(3);
    });

    it("migrate deploy creates the database, applies the migrations as dbctl would, reports a failing one as P3018", { timeout: SLOW }, async () => {
      const byDbctl = (await createTestDatabase()).url; // the template: deployed by dbctl
      // A database that does not exist yet: the CLI asks the engine (`cli can-connect-to-database`,
      // `cli create-database`) and creates it, as with the native engine.
      const name = `t_${randomBytes(6).toString("hex")}`;
      const url = inject("pg").urlPrefix + name;
      notCreatedByHelper.push(name);

      const deploy = await prisma(["migrate", "deploy"], url);
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
      expect(deploy.stdout).toContain(`PostgreSQL database ${name} created`);
      expect(deploy.stdout).toContain("All migrations have been successfully applied.");
      const status = await dbctlStatus(url);
      expect(status).toMatchObject({ code: 0, pending: [], failed: [], upToDate: true });
      expect(status.applied.map((m) => m.name)).toEqual(repoMigrations());

      // Same table, and rows of the same shape as dbctl writes them.
      const prismaRows = await migrationRows(url);
      const dbctlRows = await migrationRows(byDbctl);
      expect(prismaRows.columns).toEqual(dbctlRows.columns);
      const shape = (row: Record<string, unknown>) => ({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        migration_name: row.migration_name,
        checksum: row.checksum,
        started_at: expect.any(Date),
        finished_at: expect.any(Date),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: row.applied_steps_count,
      });
      expect(prismaRows.rows).toEqual(dbctlRows.rows.map(shape));

      // A script that fails is sent whole (one implicit transaction: nothing of it stays) and
      // reported with Prisma's code and the database's own error.
      const broken = "29990101000000_fails_on_purpose";
      const failing = project("failing-deploy", { schema: readFileSync(SCHEMA, "utf8"), migrations: MIGRATIONS });
      mkdirSync(join(failing.migrations, broken));
      writeFileSync(join(failing.migrations, broken, "migration.sql"), `CREATE TABLE "Doomed" ("id" INTEGER);\nSELECT 1 / 0;\n`);
      const failed = await prisma(["migrate", "deploy", "--config", failing.config], url);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("P3018");
      expect(failed.stderr).toContain(`Migration name: ${broken}`);
      expect(failed.stderr).toContain("Database error code: 22012");
      expect(failed.stderr).toContain("ERROR: division by zero");
      const db = await connect(url);
      try {
        expect((await db.query(`SELECT to_regclass('"Doomed"') AS t`)).rows).toEqual([{ t: null }]);
      } finally {
        await db.close();
      }
      expect(await dbctlStatus(url, failing.migrations)).toMatchObject({ failed: [{ name: broken }] });
    });

    it("migrate dev --create-only writes the migration for a schema change", { timeout: SLOW }, async () => {
      const { url } = await createTestDatabase({ empty: true });
      const dev = project("dev", { schema: withNoteColor(readFileSync(SCHEMA, "utf8")), migrations: MIGRATIONS });

      const run = await prisma(["migrate", "dev", "--create-only", "--name", "add_note_color", "--config", dev.config], url);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const created = readdirSync(dev.migrations).filter((name) => !repoMigrations().includes(name) && name !== "migration_lock.toml");
      expect(created).toHaveLength(1);
      expect(created[0]).toMatch(/^\d{14}_add_note_color$/);
      expect(readFileSync(join(dev.migrations, created[0] as string, "migration.sql"), "utf8")).toBe(
        `-- AlterTable\nALTER TABLE "Note" ADD COLUMN     "color" TEXT;\n`,
      );
      // --create-only: the existing migrations are applied, the new one is not.
      const status = await dbctlStatus(url, dev.migrations);
      expect(status).toMatchObject({ pending: created, failed: [] });
      expect(status.applied.map((m) => m.name)).toEqual(repoMigrations());
    });

    it("speaks the native engine's protocol: version, JSON-RPC with print, P-coded errors", { timeout: SLOW }, async () => {
      const version = await engine(["--version"], "");
      const { enginesVersion } = (await import("@prisma/engines-version")) as { enginesVersion: string };
      expect(version).toMatchObject({ code: 0, stdout: `schema-engine-cli ${enginesVersion}\n` });

      // A role that may not create databases: the shadow database fails as P3014.
      const role = `limited_${randomBytes(4).toString("hex")}`;
      const admin = await connect(inject("pg").adminUrl);
      await admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD 'pw'`);
      const { url } = await createTestDatabase();
      const asRole = new URL(url);
      asRole.username = role;
      asRole.password = "pw";
      const migrationsList = {
        baseDir: MIGRATIONS,
        lockfile: { path: "migration_lock.toml", content: readFileSync(join(MIGRATIONS, "migration_lock.toml"), "utf8") },
        shadowDbInitScript: "",
        migrationDirectories: repoMigrations().map((name) => ({
          path: name,
          migrationFile: { path: "migration.sql", content: { tag: "ok", value: readFileSync(join(MIGRATIONS, name, "migration.sql"), "utf8") } },
        })),
      };
      const filters = { externalTables: [], externalEnums: [] };
      const requests = [
        { jsonrpc: "2.0", id: 1, method: "getDatabaseVersion" },
        { jsonrpc: "2.0", id: 2, method: "diff", params: { from: { tag: "empty" }, to: { tag: "schemaDatamodel", files: [{ path: INITIAL_SCHEMA, content: readFileSync(INITIAL_SCHEMA, "utf8") }] }, script: true, exitCode: true, filters } },
        { jsonrpc: "2.0", id: 3, method: "diff", params: { from: { tag: "migrations", ...migrationsList }, to: { tag: "empty" }, script: false, exitCode: null, filters } },
        // Malformed: the engine throws outside the call; the request still gets its error.
        { jsonrpc: "2.0", id: 4, method: "getDatabaseVersion", params: {} },
        { jsonrpc: "2.0", id: 5, method: "noSuchMethod", params: {} },
      ];
      try {
        const run = await engine(["--datasource", JSON.stringify({ url: asRole.toString() })], requests.map((r) => JSON.stringify(r)).join("\n") + "\n");
        expect(run.code, run.stderr).toBe(0);
        const messages = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
        const byId = (id: number) => messages.find((m) => m.id === id && !("method" in m));
        expect(byId(1)).toMatchObject({ result: expect.stringMatching(/^PostgreSQL 15/) });
        // The script travels as a `print` request to the CLI, before the answer.
        const print = messages.find((m) => m.method === "print") as { params: { content: string } };
        expect(print.params.content).toContain(INITIAL_SQL.trimEnd());
        expect(messages.indexOf(print)).toBeLessThan(messages.indexOf(byId(2) as Record<string, unknown>));
        expect(byId(2)).toMatchObject({ result: { exitCode: 2 } });
        expect(byId(3)).toMatchObject({ error: { code: 4466, data: { is_panic: false, error_code: "P3014", message: expect.stringContaining("permission denied to create database") } } });
        expect(byId(4)).toMatchObject({ error: { code: 4466, data: { message: expect.stringContaining("missing field `datasource`") } } });
        expect(byId(5)).toMatchObject({ error: { code: -32601 } });
      } finally {
        await admin.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => {});
        await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => {});
        await admin.close();
      }
    });
  });

  it("leaves no shadow database behind", async () => {
    const db = await connect(inject("pg").adminUrl);
    try {
      const { rows } = await db.query(`SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'`);
      expect(rows).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
