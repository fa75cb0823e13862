import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnvFile, readEnvFile, withEnvFile } from "../src/env-file.ts";
import { ConfigError, envObject, loadEnv } from "../src/env.ts";
import { runProcess } from "../src/ops/process.ts";
import { connect } from "../src/ops/sql.ts";
import { REPO_ROOT } from "./cli/run-dbctl.ts";
import { createTestDatabase } from "./support/database.ts";

/**
 * `.env` (src/env-file.ts): read from the working directory with Node's parseEnv, beneath the
 * real environment; each Node entry point honours it, the examples change nothing, and the
 * Worker never bundles it.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh working directory holding `.env` with these lines (or none). */
function workdir(lines?: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "env-file-"));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  if (lines) writeFileSync(join(dir, ".env"), `${lines.join("\n")}\n`);
  return dir;
}

const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };

describe("reading .env", () => {
  it("reads assignments, comments, export, quotes and multi-line values as Node does", () => {
    const dir = workdir(["# a comment", "", "PORT=9000", "export HOST=0.0.0.0", 'CORS_ORIGINS="http://a.test, http://b.test"', "MULTI='one", "two'", "  SPACED = kept  "]);
    expect(readEnvFile(dir)).toEqual({ PORT: "9000", HOST: "0.0.0.0", CORS_ORIGINS: "http://a.test, http://b.test", MULTI: "one\ntwo", SPACED: "kept" });
  });

  it("is nothing when the directory has no .env", () => {
    expect(readEnvFile(workdir())).toEqual({});
  });

  it("lets the real environment win, even with an empty string", () => {
    const dir = workdir(["PORT=9000", "HOST=0.0.0.0", "SESSION_TTL_HOURS=5"]);
    const merged = withEnvFile({ PORT: "9100", HOST: "", UNRELATED: "x", SESSION_TTL_HOURS: undefined }, dir);
    expect(merged).toMatchObject({ PORT: "9100", HOST: "", UNRELATED: "x", SESSION_TTL_HOURS: "5" });
    // The empty HOST reads as unset: the default, not the file's value.
    expect(loadEnv(merged)).toMatchObject({ PORT: 9100, HOST: "127.0.0.1", SESSION_TTL_HOURS: 5 });
  });

  it.each([
    ["a line without =", ["PORT=9000", "just words", "HOST=x"], 2],
    ["a line without a name", ["=value", "PORT=9000"], 1],
    ["a name with a space", ["PORT=9000", "MY VAR=1"], 2],
    ["a trailing line without =", ["PORT=9000", "export HOST"], 2],
  ])("refuses %s with one sentence naming the file and line, never the line's text", (_, lines, line) => {
    const dir = workdir(lines);
    const read = () => readEnvFile(dir);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`${join(dir, ".env")} line ${line} is not a NAME=value assignment, a # comment or a blank line; fix or remove it.`);
  });

  it("never quotes a malformed line back (it may hold a secret)", () => {
    let message = "";
    try {
      parseEnvFile("DATABASE_URL=postgresql://x\nhunter2-secret\n", "/x/.env");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("/x/.env line 2");
    expect(message).not.toContain("hunter2");
  });
});

describe("the example files", () => {
  const example = readFileSync(join(REPO_ROOT, ".env.example"), "utf8");
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

  it("lists every variable of the README's configuration table and of the schema", () => {
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));
    const documented = table
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .flatMap((line) => [...(line.split("|")[1] ?? "").matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] as string));
    expect(documented.length).toBeGreaterThan(20);
    const listed = [...example.matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    for (const name of new Set([...documented, ...Object.keys(envObject.shape)])) expect(listed, `${name} in .env.example`).toContain(name);
  });

  it("changes nothing when copied to .env, and its uncommented lines are the defaults", () => {
    const copied = workdir();
    writeFileSync(join(copied, ".env"), example);
    expect(readEnvFile(copied)).toEqual({});
    const uncommented = workdir();
    writeFileSync(join(uncommented, ".env"), example.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, "$1"));
    const values = readEnvFile(uncommented);
    expect(Object.keys(values).length).toBeGreaterThan(30);
    expect(loadEnv(values)).toEqual(loadEnv({}));
  });

  it("gives wrangler dev a valid configuration of the schema's variables", () => {
    const vars = parseEnvFile(readFileSync(join(REPO_ROOT, ".dev.vars.example"), "utf8"), ".dev.vars.example");
    expect(Object.keys(vars)).toContain("DATABASE_URL");
    for (const name of Object.keys(vars)) expect(Object.keys(envObject.shape)).toContain(name);
    expect(loadEnv(vars)).toMatchObject({ APP_ENV: "development" });
  });

  it("keeps .env and .dev.vars out of git, and both examples in", () => {
    const ignored = (path: string) => {
      try {
        execFileSync("git", ["check-ignore", "-q", path], { cwd: REPO_ROOT });
        return true;
      } catch {
        return false;
      }
    };
    expect([".env", ".env.local", ".dev.vars"].map(ignored)).toEqual([true, true, true]);
    expect([".env.example", ".dev.vars.example"].map(ignored)).toEqual([false, false]);
  });
});

it("is never bundled into the Worker: nothing src/worker.ts imports reaches node:fs or the .env reader", () => {
  const reached = new Set<string>();
  const imports = new Set<string>();
  const walk = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    // TypeScript's own import scanner; type-only imports count too, which only errs on the safe side.
    for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (!fileName.startsWith(".")) imports.add(fileName);
      else if (existsSync(resolve(dirname(file), fileName))) walk(resolve(dirname(file), fileName));
    }
  };
  walk(join(REPO_ROOT, "src/worker.ts"));
  const files = [...reached].map((file) => relative(REPO_ROOT, file));
  expect(files).toContain("src/env.ts");
  expect(files).not.toContain("src/env-file.ts");
  expect(files).not.toContain("src/ops/embedded/local-database.ts");
  expect([...imports].filter((name) => /^(node:)?fs(\/|$)/.test(name))).toEqual([]);
});

describe(".env in each Node entry point, beneath the environment", () => {
  const dbctl = (cwd: string, args: string[], env: Record<string, string> = {}) =>
    runProcess(process.execPath, [join(REPO_ROOT, "bin/dbctl.mjs"), ...args], { cwd, env: { ...baseEnv, ...env } });

  it("dbctl", async () => {
    const [fromFile, fromEnv] = [await createTestDatabase(), await createTestDatabase()];
    const dir = workdir([`DIRECT_URL=${fromFile.url}`]);

    const read = await dbctl(dir, ["maintenance", "status"]);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain(`/${fromFile.name}:`);

    const overridden = await dbctl(dir, ["maintenance", "status"], { DIRECT_URL: fromEnv.url });
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(overridden.stdout).toContain(`/${fromEnv.name}:`);
    expect(overridden.stdout).not.toContain(fromFile.name);

    // An empty DIRECT_URL in the environment blanks the file's out: nothing is configured.
    const blanked = await dbctl(dir, ["maintenance", "status"], { DIRECT_URL: "" });
    expect(blanked.code).toBe(1);
    expect(blanked.stderr.trim()).toBe("No database URL: start the local database with `npm start` in another terminal, or set DIRECT_URL (or DATABASE_URL), or pass --url.");
  });

  it("dbctl refuses a malformed .env with one sentence naming it", async () => {
    const dir = workdir(["DIRECT_URL=postgresql://localhost/x", "oops"]);
    const run = await dbctl(dir, ["maintenance", "status"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`${join(dir, ".env")} line 2 is not a NAME=value assignment, a # comment or a blank line; fix or remove it.\n`);
  });

  it("the seeds", async () => {
    const [fromFile, fromEnv] = [await createTestDatabase(), await createTestDatabase()];
    const dir = workdir([`DATABASE_URL=${fromFile.url}`, "SEED_ADMIN_EMAIL=file-admin@example.com", "SEED_ADMIN_PASSWORD=a-long-file-password", "PBKDF2_ITERATIONS=10000"]);
    const seed = (env: Record<string, string>) =>
      runProcess(process.execPath, [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "prisma/seeds/index.ts"), "prod"], { cwd: dir, env: { ...baseEnv, ...env } });
    const admins = async (url: string) => {
      const sql = await connect(url);
      try {
        return (await sql.query<{ email: string }>(`SELECT email FROM "User" WHERE role = 'ADMIN' ORDER BY email`)).rows.map((r) => r.email);
      } finally {
        await sql.close();
      }
    };

    const overridden = await seed({ DATABASE_URL: fromEnv.url, SEED_ADMIN_EMAIL: "env-admin@example.com" });
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(await admins(fromEnv.url)).toEqual(["env-admin@example.com"]);
    expect(await admins(fromFile.url)).toEqual([]);

    const read = await seed({});
    expect(read.code, read.stderr).toBe(0);
    expect(await admins(fromFile.url)).toEqual(["file-admin@example.com"]);
  });

  it("prisma.config.ts (npm run prisma)", async () => {
    const [fromFile, fromEnv] = [await createTestDatabase(), await createTestDatabase()];
    const dir = workdir([`DIRECT_URL=${fromFile.url}`]);
    // The repository's config and schema, run from a directory whose .env is the test's.
    const prisma = (env: Record<string, string>) =>
      runProcess(process.execPath, [join(REPO_ROOT, "node_modules/prisma/build/index.js"), "migrate", "status", "--config", join(REPO_ROOT, "prisma.config.ts")], {
        cwd: dir,
        env: { ...baseEnv, PRISMA_SCHEMA_ENGINE_BINARY: join(REPO_ROOT, "bin/prisma-schema-engine"), CHECKPOINT_DISABLE: "1", NO_COLOR: "1", ...env },
      });

    const read = await prisma({});
    expect(read.code, read.stdout + read.stderr).toBe(0);
    expect(read.stdout).toContain(`PostgreSQL database "${fromFile.name}"`);
    expect(read.stdout).toContain("Database schema is up to date!");

    const overridden = await prisma({ DIRECT_URL: fromEnv.url });
    expect(overridden.code, overridden.stdout + overridden.stderr).toBe(0);
    expect(overridden.stdout).toContain(`PostgreSQL database "${fromEnv.name}"`);
  });
});
