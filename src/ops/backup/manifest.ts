import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { envObject } from "../../env.ts";
import { BackupError } from "./errors.ts";

/**
 * The JSON file beside every backup (`<file>.manifest.json`): what the dump holds, how to check
 * it is intact (size, SHA-256, row counts from the dump's own snapshot), and whether it was ever
 * proven restorable. It is read back through this schema, never trusted as-is.
 */

const check = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });
export type VerificationCheck = z.infer<typeof check>;

const verification = z.discriminatedUnion("state", [
  z.object({ state: z.literal("unverified") }),
  z.object({ state: z.literal("verified"), at: z.iso.datetime(), checks: z.array(check) }),
  z.object({ state: z.literal("failed"), at: z.iso.datetime(), reason: z.string(), checks: z.array(check) }),
]);
export type Verification = z.infer<typeof verification>;

export const manifestSchema = z.object({
  manifestVersion: z.literal(1),
  /** The backup's file name; the manifest sits beside it. */
  file: z.string().min(1),
  format: z.enum(["custom", "plain"]),
  include: z.object({
    contents: z.enum(["full", "schema-only", "data-only"]),
    /** The tables asked for with --table (schema.name), or null for the whole database. */
    tables: z.array(z.string()).nullable(),
  }),
  /** manual: `dbctl backup create`; pre-restore: the safety copy taken before a restore; scheduled: the backup job. */
  purpose: z.enum(["manual", "pre-restore", "scheduled"]),
  environment: envObject.shape.APP_ENV.unwrap(),
  /** The source database's URL with its password masked. */
  database: z.string(),
  createdAt: z.iso.datetime(),
  durationMs: z.number().int().nonnegative(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  pgDumpVersion: z.string(),
  serverVersion: z.string(),
  /** The snapshot pg_dump and the row counts shared (null: the server could not export one). */
  snapshot: z.string().nullable(),
  /** The pg_dump command that wrote the file (no password: it travels in PGPASSWORD). */
  command: z.string(),
  /** Tables in the dump; rows is null when the dump holds no data (schema-only). */
  tables: z.array(z.object({ schema: z.string(), name: z.string(), rows: z.number().int().nonnegative().nullable() })),
  verification,
});
export type Manifest = z.infer<typeof manifestSchema>;

/** The major version of the pg_dump that wrote the backup: pg_restore must be at least as new. */
export const dumpMajor = (manifest: Manifest) => Number(/^(\d+)/.exec(manifest.pgDumpVersion)?.[1] ?? 0);

export const manifestPathFor = (backupPath: string) => `${backupPath}.manifest.json`;
export const MANIFEST_SUFFIX = ".manifest.json";

/** The manifest beside a backup, checked; a missing or damaged one is a BackupError naming the file. */
export function readManifest(backupPath: string): Manifest {
  const path = manifestPathFor(backupPath);
  if (!existsSync(path)) {
    throw new BackupError("MANIFEST_MISSING", `${basename(backupPath)} has no manifest (${basename(path)}), so there is nothing to check it against; only backups made by \`dbctl backup create\` have one.`);
  }
  return parseManifest(readFileSync(path, "utf8"), path);
}

export function parseManifest(text: string, path: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupError("MANIFEST_INVALID", `The manifest ${basename(path)} is not valid JSON.`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupError("MANIFEST_INVALID", `The manifest ${basename(path)} is not a backup manifest (${issue?.path.join(".") || "root"}: ${issue?.message ?? "invalid"}).`);
  }
  return parsed.data;
}

/** Written to a temporary name and renamed, so a reader never sees half a manifest. */
export function writeManifest(backupPath: string, manifest: Manifest): string {
  const path = manifestPathFor(backupPath);
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`);
  renameSync(temporary, path);
  return path;
}

export function recordVerification(backupPath: string, result: Verification): Manifest {
  const manifest = { ...readManifest(backupPath), verification: result };
  writeManifest(backupPath, manifest);
  return manifest;
}

export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}
