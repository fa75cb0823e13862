import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createBackup } from "../../src/ops/backup/create.ts";
import { manifestPathFor, readManifest, writeManifest, type Manifest } from "../../src/ops/backup/manifest.ts";
import { connect } from "../../src/ops/sql.ts";
import { progressLine } from "../../src/cli/progress-line.ts";
import { createTestDatabase, openConnection, tableRows } from "../support/database.ts";
import { REPO_ROOT, runDbctl, type DbctlRun } from "./run-dbctl.ts";

// A role of its own with a password unlike anything else in the output: if it is printed, we see it.
const pg = inject("pg");
const ROLE = `backup_${randomBytes(4).toString("hex")}`;
const PASSWORD = `Pw-${randomBytes(8).toString("hex")}-s3cret`;
const admin = await connect(pg.adminUrl);
await admin.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);
await admin.close();
const urlOf = (database: string) => `postgresql://${ROLE}:${PASSWORD}@127.0.0.1:${pg.port}/${database}`;


const source = await createTestDatabase();
const sourceUrl = urlOf(source.name);
await (await openConnection(sourceUrl)).query(`
  INSERT INTO "User" (id, email, name, "passwordHash", "updatedAt") VALUES ('u1', 'ada@example.com', E'Ada\\tL', 'h', now()), ('u2', 'bob@example.com', NULL, 'h', now());
  INSERT INTO "Note" (id, "userId", title, content, "updatedAt") SELECT 'n' || g, 'u1', 'Note ' || g, repeat('x', g), now() FROM generate_series(1, 50) g;
`);

const sourceRows = await tableRows(sourceUrl);

const folders: string[] = [];
afterAll(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));
const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
};
const newDir = () => tempFolder("dbctl-backup-cli-");
const envFor = (dir: string, extra: Record<string, string> = {}) => ({ DIRECT_URL: sourceUrl, BACKUP_DIR: dir, APP_ENV: "test", ...extra });

/** No output and no file a command wrote may hold the password. */
function expectNoSecret(...runs: DbctlRun[]) {
  for (const run of runs) expect(`${run.stdout}\n${run.stderr}`).not.toContain(PASSWORD);
}
const oneSentence = (run: DbctlRun) => {
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr.trim()).toMatch(/\.$/);
};

describe("dbctl backup create, list, verify, restore", () => {
  it("round-trips the database row for row, and never prints the password", async () => {
    const dir = newDir();
    const env = envFor(dir);
    const created = await runDbctl(["backup", "create", "--json"], env);
    expect(created.code).toBe(0);
    const { path, manifest } = JSON.parse(created.stdout) as { path: string; manifest: Manifest };
    expect(path.startsWith(dir)).toBe(true);
    expect(manifest.database).toBe(`postgresql://${ROLE}:****@127.0.0.1:${pg.port}/${source.name}`);
    expect(manifest.tables.find((t) => t.name === "Note")?.rows).toBe(50);

    const listed = await runDbctl(["backup", "list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${path.split("/").pop()?.replace(".", "\\.")}\\s.*just now\\s+custom full.*unverified`));

    // A bare file name is looked up in BACKUP_DIR.
    const verified = await runDbctl(["backup", "verify", path.split("/").pop() as string], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`ok  rows: row counts match for all ${manifest.tables.length} tables`);
    expect(verified.stdout).toMatch(/^Verified: /m);

    const listedJson = await runDbctl(["backup", "list", "--json"], env);
    expect(JSON.parse(listedJson.stdout).backups).toEqual([expect.objectContaining({ path, managed: true, verification: expect.objectContaining({ state: "verified" }) })]);

    const target = await createTestDatabase({ empty: true });
    const restored = await runDbctl(["backup", "restore", path, "--url", urlOf(target.name)], env);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(new RegExp(`^Safety backup of postgresql://${ROLE}:\\*\\*\\*\\*@\\S+: ${dir}/db_test_\\S+\\.dump`, "m"));
    expect(restored.stdout).toContain(`Row counts match the backup for all ${manifest.tables.length} tables.`);
    expect(await tableRows(urlOf(target.name))).toEqual(sourceRows);

    expectNoSecret(created, listed, verified, listedJson, restored);
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file), "latin1")).not.toContain(PASSWORD);
  });

  it("refuses flags that cannot go together with one sentence and exit 2", async () => {
    const both = await runDbctl(["backup", "create", "--schema-only", "--data-only"], envFor(newDir()));
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe("Invalid --schema-only for `dbctl backup create`: cannot be combined with --data-only.");
  });

  it("--table may be repeated, as pg_dump's -t is", async () => {
    const dir = newDir();
    const run = await runDbctl(["backup", "create", "--table", "User", "--table", "Project", "--json"], envFor(dir));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).manifest.include.tables).toEqual(["public.User", "public.Project"]);
  });

  it("--table with an unknown table fails with one sentence and leaves nothing behind", async () => {
    const dir = newDir();
    const run = await runDbctl(["backup", "create", "--table", "User,Nope", "--json"], envFor(dir));
    expect(run.code).toBe(1);
    oneSentence(run);
    expect(run.stderr).toMatch(/^There is no table "Nope" in the database; its tables are /);
    expect(JSON.parse(run.stdout).error.code).toBe("UNKNOWN_TABLE");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("dbctl backup verify on a damaged file", () => {
  it("fails with one clear sentence and records the failure in the manifest", async () => {
    const dir = newDir();
    const { path } = await createBackup(sourceUrl, { dir, environment: "test" });
    const bytes = readFileSync(path);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 0x01;
    writeFileSync(path, bytes);
    const run = await runDbctl(["backup", "verify", path], envFor(dir));
    expect(run.code).toBe(1);
    oneSentence(run);
    expect(run.stderr.trim()).toBe(
      `Backup ${path.split("/").pop()} failed verification: its SHA-256 checksum does not match the manifest, so the file was damaged or changed after it was written; the failure is recorded in its manifest.`,
    );
    expect(readManifest(path).verification).toMatchObject({ state: "failed", reason: expect.stringContaining("SHA-256") });
    expectNoSecret(run);
  });
});

describe("dbctl backup prune", () => {
  it("deletes exactly what production's 30 days allow, never the newest verified backup; --dry-run deletes nothing", async () => {
    const dir = newDir();
    const template = (await createBackup(sourceUrl, { dir: newDir(), environment: "production" })).manifest;
    const day = 24 * 60 * 60 * 1000;
    const fake = (name: string, days: number, verification: Manifest["verification"]["state"], environment: Manifest["environment"] = "production") => {
      const path = join(dir, name);
      writeFileSync(path, `not a real dump: ${name}`);
      const at = new Date(Date.now() - days * day).toISOString();
      writeManifest(path, {
        ...template,
        file: name,
        environment,
        createdAt: at,
        verification: verification === "unverified" ? { state: "unverified" } : verification === "verified" ? { state: "verified", at, checks: [] } : { state: "failed", at, reason: "test", checks: [] },
      });
      return name;
    };
    const keep = [fake("fresh.dump", 1, "unverified"), fake("month.dump", 29, "failed"), fake("verified-old.dump", 45, "verified"), fake("staging-old.dump", 90, "unverified", "staging")];
    const gone = [fake("old.dump", 31, "unverified"), fake("older-verified.dump", 60, "verified"), fake("ancient.dump", 365, "failed")];
    writeFileSync(join(dir, "pre_migration_20200101_000000.dump"), "no manifest");
    const env = envFor(dir, { APP_ENV: "production" });

    const dry = await runDbctl(["backup", "prune", "--dry-run", "--json"], env);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as { delete: { path: string }[]; keep: { path: string; reason: string }[]; deleted: string[] };
    expect(plan.delete.map((d) => d.path.split("/").pop()).sort()).toEqual([...gone].sort());
    expect(plan.keep.find((k) => k.path.endsWith("verified-old.dump"))?.reason).toBe("the newest verified backup is always kept");
    expect(plan.deleted).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(2 * (keep.length + gone.length) + 1);

    const real = await runDbctl(["backup", "prune"], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain("Retention for APP_ENV=production: 30 days");
    expect(real.stdout).toContain("Deleted 3 backups with their manifests:");
    expect(readdirSync(dir).sort()).toEqual([...keep.flatMap((n) => [n, `${n}.manifest.json`]), "pre_migration_20200101_000000.dump"].sort());
  });
});

describe("dbctl backup restore guards", () => {
  it("refuses a production target without --force and changes nothing", async () => {
    const dir = newDir();
    const { path } = await createBackup(sourceUrl, { dir, environment: "production" });
    const target = await createTestDatabase();
    const before = await tableRows(urlOf(target.name));
    const files = readdirSync(dir);
    const run = await runDbctl(["backup", "restore", path, "--clean", "--url", urlOf(target.name)], envFor(dir, { APP_ENV: "production" }));
    expect(run.code).toBe(1);
    oneSentence(run);
    expect(run.stderr).toMatch(/^Refusing to restore \S+ into postgresql:\/\/\S+:\*\*\*\*@\S+ because APP_ENV=production; nothing was changed, and --force restores anyway/);
    expect(readdirSync(dir)).toEqual(files);
    expect(await tableRows(urlOf(target.name))).toEqual(before);
    expectNoSecret(run);
  });

  it("a failed restore says so, and where the safety backup is", async () => {
    const dir = newDir();
    const { path } = await createBackup(sourceUrl, { dir, environment: "test", format: "plain" });
    const target = await createTestDatabase();
    const run = await runDbctl(["backup", "restore", path, "--url", urlOf(target.name)], envFor(dir));
    expect(run.code).toBe(1);
    oneSentence(run);
    const safety = /the safety backup is (\S+\.dump)\.$/.exec(run.stderr.trim())?.[1];
    expect(run.stderr).toMatch(/^The restore of \S+\.sql failed and was rolled back, so \S+ is as it was \(.*already exists/);
    expect(safety && existsSync(safety) && existsSync(manifestPathFor(safety))).toBe(true);
    expect(run.stdout).toContain(`Safety backup of postgresql://${ROLE}:****@`);
    expectNoSecret(run);
  });
});

describe("pg_dump on the machine", () => {
  it("missing or older than the server: one sentence saying which version to install, no file left", async () => {
    const dir = newDir();
    const bin = tempFolder("dbctl-fake-bin-");
    const missing = await runDbctl(["backup", "create"], envFor(dir, { PATH: bin }), { spawn: true });
    expect(missing.code).toBe(1);
    oneSentence(missing);
    expect(missing.stderr.trim()).toBe("pg_dump is not installed; install pg_dump 15 or newer to back up a PostgreSQL 15 server (on Debian: apt-get install postgresql-client-15).");

    writeFileSync(join(bin, "pg_dump"), `#!/bin/sh\necho "pg_dump (PostgreSQL) 13.4"\n`);
    chmodSync(join(bin, "pg_dump"), 0o755);
    const old = await runDbctl(["backup", "create"], envFor(dir, { PATH: bin }), { spawn: true });
    expect(old.code).toBe(1);
    expect(old.stderr.trim()).toBe("pg_dump 13 cannot dump a PostgreSQL 15 server; install pg_dump 15 or newer (on Debian: apt-get install postgresql-client-15).");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a dump that fails part-way says so and leaves no partial file", async () => {
    const dir = newDir();
    const bin = tempFolder("dbctl-fake-bin-");
    writeFileSync(
      join(bin, "pg_dump"),
      [
        "#!/bin/sh",
        `if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 15.9"; exit 0; fi`,
        `while [ $# -gt 0 ]; do if [ "$1" = "-f" ]; then echo "half a dump" > "$2"; fi; shift; done`,
        `echo "pg_dump: error: query failed: server closed the connection unexpectedly" >&2`,
        "exit 1",
      ].join("\n"),
    );
    chmodSync(join(bin, "pg_dump"), 0o755);
    const run = await runDbctl(["backup", "create"], envFor(dir, { PATH: bin }), { spawn: true });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("pg_dump failed, so no backup was written: query failed: server closed the connection unexpectedly.");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("progress", () => {
  // `script` gives the command a terminal, as a user's shell would.
  it("draws a line in place on a terminal", () => {
    const run = spawnSync("script", ["-qec", [process.execPath, "bin/dbctl.mjs", "backup", "create"].join(" "), "/dev/null"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm", ...envFor(newDir()) },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\rDumping: \d+(\.\d)? (B|kB) written, \d+\.\ds\x1b\[K/);
    expect(run.stdout).toContain("Backup created: ");
  });

  it("stays quiet with --json or when stdout is not a terminal", async () => {
    const written: string[] = [];
    const terminal = { isTTY: true, columns: 80, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const pipe = { isTTY: false, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    expect(progressLine(true, terminal).listener).toBeUndefined();
    expect(progressLine(false, pipe).listener).toBeUndefined();
    const line = progressLine(false, terminal);
    await createBackup(sourceUrl, { dir: newDir(), environment: "test", ...(line.listener && { onProgress: line.listener }) });
    line.clear();
    expect(written[0]).toMatch(/^\rDumping: /);
    expect(written.at(-1)).toBe("\r\x1b[K");
  });
});
