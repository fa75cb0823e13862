import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createBackup, type CreatedBackup } from "../../src/ops/backup/create.ts";
import { BackupError } from "../../src/ops/backup/errors.ts";
import { readToc } from "../../src/ops/backup/load.ts";
import { manifestPathFor, readManifest, writeManifest } from "../../src/ops/backup/manifest.ts";
import { planPrune, retentionPolicy, type PruneCandidate } from "../../src/ops/backup/prune.ts";
import { restoreBackup } from "../../src/ops/backup/restore.ts";
import { verifyBackup } from "../../src/ops/backup/verify.ts";
import { createTestDatabase, openConnection, tableRows } from "../support/database.ts";


/** Rows that make a dump work: quotes, tabs, newlines, backslashes, unicode, NULLs, enums, floats. */
const SEED = `
  INSERT INTO "User" (id, email, name, "passwordHash", role, "updatedAt") VALUES
    ('u1', 'ada@example.com', 'Ada "the first" Lovelace', 'h1', 'ADMIN', '2026-01-01T00:00:00Z'),
    ('u2', 'bob@example.com', NULL, 'h2', 'USER', '2026-01-02T00:00:00Z'),
    ('u3', 'zoë@example.com', E'Zoë\\tTab\\nNewline \\\\ backslash', 'h3', 'USER', '2026-01-03T00:00:00Z');
  INSERT INTO "Project" (id, "userId", name, description, status, "updatedAt") VALUES
    ('p1', 'u1', 'Engine', 'Analytical', 'ACTIVE', now()),
    ('p2', 'u2', 'Old', NULL, 'ARCHIVED', now());
  INSERT INTO "Note" (id, "userId", "projectId", title, content, pinned, "deletedAt", "updatedAt")
    SELECT 'n' || g, CASE WHEN g % 2 = 0 THEN 'u1' ELSE 'u2' END, CASE WHEN g % 3 = 0 THEN NULL ELSE 'p1' END,
           'Note ' || g, repeat('línea ' || g || E'\\n', g % 7), g % 5 = 0, CASE WHEN g % 11 = 0 THEN now() END, now()
      FROM generate_series(1, 120) AS g;
  INSERT INTO "Session" (id, "userId", "tokenHash", "expiresAt") VALUES ('s1', 'u1', repeat('a', 64), '2030-01-01T00:00:00Z');
  INSERT INTO "ErrorLog" (id, level, message, stack, "userId") VALUES ('e1', 'FATAL', 'boom', E'at x\\nat y', 'u3');
  INSERT INTO "PerformanceMetric" (id, route, method, status, "durationMs") VALUES ('m1', '/notes', 'GET', 200, 12.5), ('m2', '/notes', 'POST', 201, 0.125);
`;


const source = await createTestDatabase();
await (await openConnection(source.url)).query(SEED);
const sourceRows = await tableRows(source.url);
const dir = mkdtempSync(join(tmpdir(), "dbctl-backup-ops-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const backup = (options: Partial<Parameters<typeof createBackup>[1]> = {}) => createBackup(source.url, { dir, environment: "test", ...options });
/** One full backup per format, made on first use and shared: the tests that only read them stay fast. */
const shared: Partial<Record<"custom" | "plain", Promise<CreatedBackup>>> = {};
const fullBackup = (format: "custom" | "plain") => (shared[format] ??= backup({ format }));

describe("create -> verify -> restore", () => {
  it.each(["custom", "plain"] as const)("round-trips every row of every table (%s format)", async (format) => {
    const created = await fullBackup(format);
    expect(created.path).toMatch(new RegExp(`/db_test_\\d{8}_\\d{6}(_\\d+)?\\.${format === "custom" ? "dump" : "sql"}$`));
    const { manifest } = created;
    expect(manifest).toMatchObject({ format, include: { contents: "full", tables: null }, purpose: "manual", environment: "test", verification: { state: "unverified" } });
    expect(manifest.database).not.toContain(":postgres@");
    expect(manifest.snapshot).toMatch(/\S/);
    expect(manifest.sizeBytes).toBe(readFileSync(created.path).length);
    // The manifest's counts are the rows each table really has.
    expect(Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]))).toEqual(
      Object.fromEntries(Object.entries(sourceRows).map(([name, rows]) => [name, rows.length])),
    );
    expect(readManifest(created.path)).toEqual(manifest);

    const verified = await verifyBackup(created.path, source.url);
    expect(verified.verified).toBe(true);
    expect(verified.checks.map((c) => c.name)).toEqual(format === "custom" ? ["checksum", "archive", "restore", "rows"] : ["checksum", "restore", "rows"]);
    expect(readManifest(created.path).verification).toMatchObject({ state: "verified" });

    const target = await createTestDatabase({ empty: true });
    const restored = await restoreBackup(created.path, target.url, { environment: "test", safetyDir: dir });
    expect(restored.rowCheck?.every((r) => r.expected === r.actual)).toBe(true);
    expect(await tableRows(target.url)).toEqual(sourceRows);
  });

  it("counts rows in the dump's own snapshot: a row committed while pg_dump starts is in neither", async () => {
    const db = await createTestDatabase();
    const writer = await openConnection(db.url);
    await writer.query(SEED);
    let insert: Promise<unknown> | undefined;
    const created = await createBackup(db.url, {
      dir,
      environment: "test",
      format: "plain",
      // Called once the snapshot is exported, before pg_dump connects.
      onProgress: () => {
        insert ??= writer.query(`INSERT INTO "PerformanceMetric" (id, route, method, status, "durationMs") VALUES ('late', '/late', 'GET', 200, 1)`);
      },
    });
    await insert;
    expect((await writer.query(`SELECT 1 FROM "PerformanceMetric"`)).rowCount).toBe(3);
    expect(created.manifest.tables.find((t) => t.name === "PerformanceMetric")?.rows).toBe(2);
    expect(readFileSync(created.path, "utf8")).not.toContain("/late");
  });
});

describe("what a partial backup holds", () => {
  it("--schema-only has every table's definition and no rows", async () => {
    const created = await backup({ format: "plain", contents: "schema-only" });
    const sql = readFileSync(created.path, "utf8");
    expect(sql).toContain(`CREATE TABLE public."User"`);
    expect(sql).toContain(`CREATE TYPE public."Role"`);
    expect(sql).not.toMatch(/^COPY /m);
    expect(created.manifest.tables.every((t) => t.rows === null)).toBe(true);
    expect((await verifyBackup(created.path, source.url)).verified).toBe(true);
  });

  it("--data-only has every table's rows and no definitions, and verifies on the current schema", async () => {
    const created = await backup({ format: "plain", contents: "data-only" });
    const sql = readFileSync(created.path, "utf8");
    expect(sql).toMatch(/^COPY public\."Note" /m);
    expect(sql).toMatch(/^COPY public\."User" /m);
    expect(sql).not.toContain("CREATE TABLE");
    expect(created.manifest.tables.find((t) => t.name === "Note")?.rows).toBe(120);
    expect((await verifyBackup(created.path, source.url)).verified).toBe(true);
  });

  it("--table holds only the named tables (exact names, case-insensitive when unambiguous)", async () => {
    const created = await backup({ tables: ["user", "public.Project"] });
    expect(created.manifest.include.tables).toEqual(["public.User", "public.Project"]);
    expect(created.manifest.tables).toEqual([
      { schema: "public", name: "User", rows: 3 },
      { schema: "public", name: "Project", rows: 2 },
    ]);
    const toc = await readToc(created.path);
    const tables = toc.filter((e) => e.kind === "TABLE" || e.kind === "TABLE DATA").map((e) => `${e.kind} ${e.name}`);
    expect(tables.sort()).toEqual(["TABLE DATA Project", "TABLE DATA User", "TABLE Project", "TABLE User"]);
    expect((await verifyBackup(created.path, source.url)).verified).toBe(true);
  });

  it("refuses a table that does not exist, leaving no file behind", async () => {
    const before = readdirSync(dir).length;
    const error = await backup({ tables: ["Nope"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).message).toMatch(/^There is no table "Nope" in the database; its tables are .*public\.User/);
    expect(readdirSync(dir)).toHaveLength(before);
  });
});

describe("verify finds a damaged backup", () => {
  let good: CreatedBackup | undefined;
  const copyOf = async (name: string) => {
    good ??= await fullBackup("custom");
    const path = join(dir, name);
    copyFileSync(good.path, path);
    copyFileSync(manifestPathFor(good.path), manifestPathFor(path));
    return path;
  };

  it.each([
    ["a flipped byte", (path: string) => {
      const bytes = readFileSync(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0xff;
      writeFileSync(path, bytes);
    }, /SHA-256 checksum does not match the manifest/],
    ["a truncated file", (path: string) => truncateSync(path, 1000), /the file is 1000 bytes but was \d+ when written, so it was truncated/],
  ])("fails on %s with one clear reason, recorded in the manifest", async (_, damage, reason) => {
    const path = await copyOf(`damaged_${reason.source.length}.dump`);
    damage(path);
    const result = await verifyBackup(path, source.url);
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(reason);
    expect(result.reason).not.toContain("\n");
    expect(readManifest(path).verification).toMatchObject({ state: "failed", reason: result.reason });
  });

  it("still fails at the restore when the manifest was rewritten to match a damaged archive", async () => {
    const path = await copyOf("rewritten.dump");
    truncateSync(path, Math.floor(readFileSync(path).length * 0.8));
    const bytes = readFileSync(path);
    const { createHash } = await import("node:crypto");
    writeManifest(path, { ...readManifest(path), sizeBytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
    const result = await verifyBackup(path, source.url);
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/^(pg_restore cannot read it|restoring it into a scratch database failed|its table of contents)/);
    expect(readManifest(path).verification.state).toBe("failed");
  });

  it("restore refuses a damaged backup before touching anything", async () => {
    const path = await copyOf("refused.dump");
    truncateSync(path, 2000);
    const target = await createTestDatabase();
    const files = readdirSync(dir).length;
    const error = await restoreBackup(path, target.url, { environment: "test", safetyDir: dir, clean: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BACKUP_CORRUPTED" });
    expect(readdirSync(dir)).toHaveLength(files);
  });
});

describe("restore", () => {
  it("refuses a production target without force and changes nothing, not even a safety backup", async () => {
    const created = await fullBackup("custom");
    const target = await createTestDatabase();
    await (await openConnection(target.url)).query(`INSERT INTO "PerformanceMetric" (id, route, method, status, "durationMs") VALUES ('only', '/', 'GET', 200, 1)`);
    const before = await tableRows(target.url);
    const files = readdirSync(dir).length;
    const error = await restoreBackup(created.path, target.url, { environment: "production", safetyDir: dir, clean: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PRODUCTION_REFUSED" });
    expect((error as Error).message).toMatch(/APP_ENV=production; nothing was changed, and --force restores anyway/);
    expect(readdirSync(dir)).toHaveLength(files);
    expect(await tableRows(target.url)).toEqual(before);

    const forced = await restoreBackup(created.path, target.url, { environment: "production", force: true, safetyDir: dir, clean: true });
    expect(await tableRows(target.url)).toEqual(sourceRows);
    expect(forced.safetyBackup.manifest.environment).toBe("production");
  });

  it("takes a safety backup first that brings the target back as it was", async () => {
    const created = await fullBackup("custom");
    const target = await createTestDatabase();
    await (await openConnection(target.url)).query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('other', 'other@example.com', 'x', now())`);
    const before = await tableRows(target.url);
    let announced: string | undefined;
    const restored = await restoreBackup(created.path, target.url, { environment: "test", safetyDir: dir, clean: true, onSafetyBackup: (b) => (announced = b.path) });
    expect(announced).toBe(restored.safetyBackup.path);
    expect(restored.safetyBackup.manifest).toMatchObject({ purpose: "pre-restore", format: "custom", include: { contents: "full" } });
    expect(await tableRows(target.url)).toEqual(sourceRows);

    const undo = await createTestDatabase({ empty: true });
    await restoreBackup(restored.safetyBackup.path, undo.url, { environment: "test", safetyDir: dir });
    expect(await tableRows(undo.url)).toEqual(before);
  });

  it("a failed restore is rolled back and names the safety backup", async () => {
    const created = await fullBackup("plain");
    const target = await createTestDatabase();
    await (await openConnection(target.url)).query(`INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ('keep', 'keep@example.com', 'x', now())`);
    const before = await tableRows(target.url);
    const error = await restoreBackup(created.path, target.url, { environment: "test", safetyDir: dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "RESTORE_FAILED" });
    const message = (error as Error).message;
    expect(message).toMatch(/failed and was rolled back, so .* is as it was \(.*already exists.*\); the safety backup is (\/\S+\.dump)\.$/);
    expect(existsSync(/the safety backup is (\S+)\.$/.exec(message)?.[1] ?? "")).toBe(true);
    expect(await tableRows(target.url)).toEqual(before);
  });

  it("--table brings back a dropped table with its rows; plain backups refuse --table and --clean", async () => {
    const created = await fullBackup("custom");
    const target = await createTestDatabase();
    await (await openConnection(target.url)).query(SEED);
    await (await openConnection(target.url)).query(`DROP TABLE "Note"`);
    const restored = await restoreBackup(created.path, target.url, { environment: "test", safetyDir: dir, tables: ["Note"] });
    expect(restored.tables).toEqual(["public.Note"]);
    expect((await tableRows(target.url))["public.Note"]).toEqual(sourceRows["public.Note"]);

    const plain = await fullBackup("plain");
    for (const options of [{ tables: ["Note"] }, { clean: true }]) {
      await expect(restoreBackup(plain.path, target.url, { environment: "test", safetyDir: dir, ...options })).rejects.toMatchObject({ code: "PLAIN_FORMAT_LIMITS" });
    }
    await expect(restoreBackup(created.path, target.url, { environment: "test", safetyDir: dir, tables: ["Nope"] })).rejects.toMatchObject({ code: "UNKNOWN_TABLE" });
  });
});

describe("prune plan: a pure function of (backups, policy, now)", () => {
  const now = new Date("2026-06-30T12:00:00Z");
  const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
  const b = (name: string, days: number, verification: PruneCandidate["verification"] = "unverified", environment: PruneCandidate["environment"] = "production"): PruneCandidate => ({
    path: `/b/${name}`,
    environment,
    createdAt: daysAgo(days),
    verification,
  });
  const plan = (backups: PruneCandidate[], environment: PruneCandidate["environment"], override?: number) => {
    const result = planPrune(backups, retentionPolicy(environment, override), now);
    return { delete: result.delete.map((d) => d.path.slice(3)).sort(), keep: result.keep.map((d) => d.path.slice(3)).sort(), warnings: result.warnings };
  };

  it.each([
    ["production keeps 30 days", [b("new", 1), b("edge", 30), b("old", 30.01), b("older", 90)], "production", undefined, ["old", "older"]],
    ["staging keeps 7 days", [b("a", 6.9, "unverified", "staging"), b("b", 7.5, "unverified", "staging"), b("c", 40, "unverified", "staging")], "staging", undefined, ["b", "c"]],
    ["development keeps everything by default", [b("a", 400, "unverified", "development"), b("b", 2, "verified", "development")], "development", undefined, []],
    ["development prunes when told", [b("a", 400, "unverified", "development"), b("b", 2, "verified", "development")], "development", 10, ["a"]],
    ["the newest verified backup stays whatever its age", [b("v-new", 50, "verified"), b("v-old", 60, "verified"), b("failed", 1, "failed"), b("u", 45)], "production", undefined, ["u", "v-old"]],
    ["a verified manifest whose dump is gone protects nothing", [{ ...b("ghost", 40, "verified"), fileMissing: true }, b("real", 50, "verified")], "production", undefined, ["ghost"]],
    ["a failed verification does not protect a backup", [b("f", 31, "failed"), b("v", 1, "verified")], "production", undefined, ["f"]],
    ["other environments' backups are left alone", [b("stg", 100, "unverified", "staging"), b("prod", 100)], "production", undefined, ["prod"]],
    ["an override replaces the environment's default", [b("a", 3), b("b", 1)], "production", 2, ["a"]],
    ["nothing to prune", [], "production", undefined, []],
  ] as const)("%s", (_, backups, environment, override, deleted) => {
    const result = plan([...backups], environment, override);
    expect(result.delete).toEqual([...deleted].sort());
    expect([...result.delete, ...result.keep].sort()).toEqual(backups.map((x) => x.path.slice(3)).sort());
  });

  it("warns when no verified backup of the environment would be kept", () => {
    expect(plan([b("u", 1), b("f", 2, "failed")], "production").warnings).toEqual([expect.stringContaining("No verified production backup is kept")]);
    expect(plan([b("v", 100, "verified")], "production").warnings).toEqual([]);
  });
});
