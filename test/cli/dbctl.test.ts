import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { connect, quoteIdent } from "../../src/ops/sql.ts";
import { migrationFolder } from "../ops/migration-folder.ts";
import { createTestDatabase } from "../support/database.ts";
import { expectOneSentence, runDbctl, type DbctlRun } from "./run-dbctl.ts";

const INITIAL = "20261125083000_create_initial_schema";
const ALL = readMigrations("prisma/migrations").map((m) => m.name);

// A login role of this file's own with a recognisable password, so "never printed" is checkable.
const role = `dbctl_${randomBytes(4).toString("hex")}`;
const password = `pw-${randomBytes(8).toString("hex")}`;
const admin = await connect(inject("pg").adminUrl);
await admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN SUPERUSER PASSWORD '${password}'`);
await admin.close();
// The role owns objects in this file's databases: drop those first, then the role.
afterAll(async () => {
  const cleanup = await connect(inject("pg").adminUrl);
  try {
    for (const url of [realUrl, scratchUrl]) {
      await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdent(new URL(url).pathname.slice(1))} WITH (FORCE)`);
    }
    await cleanup.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  } finally {
    await cleanup.close();
  }
});

const asRole = (url: string, pw = password) => {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = pw;
  return parsed.toString();
};
const realUrl = asRole((await createTestDatabase({ empty: true })).url);
const scratchUrl = asRole((await createTestDatabase({ empty: true })).url);

/** Every run of this file, so one test can check that none of them printed the password. */
const runs: DbctlRun[] = [];
async function dbctl(args: string[], env: Record<string, string> = {}): Promise<DbctlRun> {
  const run = await runDbctl(args, env, { spawn: true });
  runs.push(run);
  return run;
}

describe("dbctl --help", () => {
  it("lists the commands", async () => {
    const run = await dbctl(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: dbctl <command> [flags]");
    expect(run.stdout).toContain("migrate deploy");
    expect(run.stdout).toContain("migrate status");
    expect(run.stderr).toBe("");
  });

  it("describes the migrate group and its commands", async () => {
    const run = await dbctl(["migrate", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: dbctl migrate <command> [flags]");
    expect(run.stdout).toMatch(/^\s+deploy\s+\S/m);
    expect(run.stdout).toMatch(/^\s+status\s+\S/m);
  });

  it.each([["deploy"], ["status"]])("documents every flag of migrate %s", async (command) => {
    const run = await dbctl(["migrate", command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: dbctl migrate ${command} [flags]`);
    for (const flag of ["--url <url>", "--migrations-dir <dir>", "--json", "--help"]) expect(run.stdout).toContain(flag);
    expect(run.stdout).toContain("Exit codes:");
  });
});

describe("dbctl migrate deploy and status on the real migrations", () => {
  const env = { DIRECT_URL: realUrl };

  it("status exits 1 and lists the migration as pending before any deploy", async () => {
    const run = await dbctl(["migrate", "status"], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`Pending \\(${ALL.length}\\):\\n\\s+${ALL.join("\\n\\s+")}`));
    expect(run.stdout).toContain(`Database schema is not up to date: ${ALL.length} pending.`);
  });

  it("deploy applies it, naming each migration and the masked datasource", async () => {
    const run = await dbctl(["migrate", "deploy"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Applying migration \`${INITIAL}\``);
    expect(run.stdout).toContain(`${role}:****@`);
    expect(run.stdout).toContain("All migrations have been successfully applied.");
  });

  it("deploy again says there is nothing to apply", async () => {
    const run = await dbctl(["migrate", "deploy"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("No pending migrations to apply.");
  });

  it("status exits 0 once up to date", async () => {
    const run = await dbctl(["migrate", "status"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Applied \\(${ALL.length}\\):\\n\\s+${INITIAL}`));
    expect(run.stdout).toContain("Database schema is up to date!");
  });

  it("status --json prints one parseable document and nothing on stderr", async () => {
    const run = await dbctl(["migrate", "status", "--json"], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ upToDate: true, pending: [], failed: [], modified: [], missingLocally: [] });
    expect(doc.applied.map((m: { name: string }) => m.name)).toEqual(ALL);
    expect(doc.database).toContain(`${role}:****@`);
  });

  it("--url overrides DIRECT_URL", async () => {
    const run = await dbctl(["migrate", "status", "--url", realUrl], { DIRECT_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Database schema is up to date!");
  });
});

describe("dbctl with a migration that fails, and one edited after it was applied", () => {
  const folder = migrationFolder();
  const env = { DIRECT_URL: scratchUrl };
  const first = "20260101000000_create_first";
  const bad = "20260102000000_create_half";
  const dir = ["--migrations-dir", folder.dir];

  it("status reports an edited applied migration as a checksum mismatch", async () => {
    folder.write(first, `CREATE TABLE "first" (id int);\n`);
    expect((await dbctl(["migrate", "deploy", ...dir], env)).code).toBe(0);
    folder.write(first, `CREATE TABLE "first" (id int, edited text);\n`);
    const run = await dbctl(["migrate", "status", ...dir], env);
    expect(run.stdout).toMatch(new RegExp(`Modified after being applied \\(checksum mismatch\\) \\(1\\):\\n\\s+${first}`));
    expect(run.code).toBe(0);
  });

  it("deploy exits 1 with one sentence naming the migration and the database error", async () => {
    folder.write(bad, `CREATE TABLE "half" (id int);\nINSERT INTO "no_such_table" VALUES (1);\n`);
    const run = await dbctl(["migrate", "deploy", ...dir], env);
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain(bad);
    expect(run.stderr).toContain(`relation "no_such_table" does not exist`);
    expect(run.stdout).toContain(`Applying migration \`${bad}\``);
  });

  it("status exits 1 and shows the failed migration with its log's first line", async () => {
    const run = await dbctl(["migrate", "status", ...dir], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`Failed \\(1\\):\\n\\s+${bad} .*relation "no_such_table" does not exist`));
  });

  it("the next deploy is refused with FAILED_MIGRATIONS, in text and in --json", async () => {
    const text = await dbctl(["migrate", "deploy", ...dir], env);
    expect(text.code).toBe(1);
    expectOneSentence(text.stderr);
    expect(text.stderr).toContain(`\`${bad}\` migration`);

    const json = await dbctl(["migrate", "deploy", "--json", ...dir], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "FAILED_MIGRATIONS" } });
    expect(JSON.parse(json.stdout).error.message).toContain(bad);
  });
});

describe("dbctl usage and configuration errors", () => {
  it("an unknown flag is one sentence and exit 2", async () => {
    const run = await dbctl(["migrate", "status", "--bogus"], { DIRECT_URL: realUrl });
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("--bogus");
    expect(run.stdout).toBe("");
  });

  it("an unknown command is one sentence and exit 2", async () => {
    const run = await dbctl(["migrate", "sideways"]);
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("dbctl migrate sideways");
  });

  it("a --url that is not postgres is refused before connecting", async () => {
    const run = await dbctl(["migrate", "status", "--url", "mysql://root:hunter2hunter2@db/app"]);
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("--url");
    expect(run.stderr).not.toContain("hunter2hunter2");
  });

  it("no DIRECT_URL or DATABASE_URL is a clear error", async () => {
    const run = await dbctl(["migrate", "status"]);
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("DIRECT_URL");
    expect(run.stderr).toContain("DATABASE_URL");
  });

  it("a prisma:// DATABASE_URL without DIRECT_URL is refused, without printing its key", async () => {
    // Hosted Accelerate is retired; an endpoint of one's own is no Postgres connection either.
    const hosted = await dbctl(["migrate", "deploy"], { DATABASE_URL: "prisma://accelerate.prisma-data.net/?api_key=sk_secret_abc123" });
    expect(hosted.code).toBe(1);
    expectOneSentence(hosted.stderr);
    expect(hosted.stderr).toContain("retired on 2026-12-01");
    expect(hosted.stderr + hosted.stdout).not.toContain("sk_secret_abc123");
    const run = await dbctl(["migrate", "deploy"], { DATABASE_URL: "prisma://127.0.0.1:4466/?api_key=sk_secret_abc123" });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("Accelerate-protocol endpoint");
    expect(run.stderr).toContain("DIRECT_URL");
    expect(run.stderr + run.stdout).not.toContain("sk_secret_abc123");
  });

  it("a rejected password is reported with the URL masked", async () => {
    const wrong = `wrong-${randomBytes(6).toString("hex")}`;
    const run = await dbctl(["migrate", "status"], { DIRECT_URL: asRole(realUrl, wrong) });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr);
    expect(run.stderr).toContain("password authentication failed");
    expect(run.stderr).toContain(`${role}:****@`);
    expect(run.stderr).not.toContain(wrong);
  });

  it("never printed the password in any run of this file", () => {
    expect(runs.length).toBeGreaterThan(10);
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(password);
  });
});
