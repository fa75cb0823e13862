import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import { withScratchDatabase } from "../scratch.ts";
import { withConnection } from "../sql.ts";
import { copySchema, loadBackup, readToc } from "./load.ts";
import { dumpMajor, fileSha256, readManifest, recordVerification, type Manifest, type VerificationCheck } from "./manifest.ts";
import { checkRestoreCompatible, firstToolError, PgToolError } from "./pg-tools.ts";
import type { ProgressListener } from "./progress.ts";
import { countRows, qualifiedName, quotedName, userTables, type TableRef } from "./tables.ts";

export interface VerifyResult {
  path: string;
  verified: boolean;
  /** Why it failed, as one sentence; undefined when verified. */
  reason?: string;
  checks: VerificationCheck[];
  manifest: Manifest;
}

/** A fault of the backup itself: recorded in its manifest as a failed verification. */
class BackupFault extends Error {}

/**
 * Proves a backup restorable, step by step, and records the outcome in its manifest:
 * 1. size and SHA-256 against the manifest (a truncated file or a flipped byte stops here);
 * 2. custom archives: `pg_restore --list` reads the table of contents, with data for each table;
 * 3. a restore into a scratch database beside `url` (dropped afterwards), then every table's row
 *    count against the counts pg_dump's snapshot had.
 * Data-only and --table backups lack what their tables need (types, the tables themselves), so
 * they restore on top of the current schema of the database at `url`, as they would in real use.
 * Problems of the machine (no connection, no CREATEDB, pg_restore too old) throw and record nothing.
 */
export async function verifyBackup(path: string, url: string, options: { now?: () => Date; onProgress?: ProgressListener } = {}): Promise<VerifyResult> {
  const manifest = readManifest(path);
  const now = options.now ?? (() => new Date());
  const checks: VerificationCheck[] = [];
  const pass = (name: string, detail: string) => checks.push({ name, ok: true, detail });
  try {
    await checkIntegrity(path, manifest, pass);
    if (manifest.format === "custom") {
      await checkRestoreCompatible(dumpMajor(manifest));
      await checkToc(path, manifest, pass);
    }
    await withScratchDatabase(url, "dbctl_verify", async (scratchUrl) => {
      const started = Date.now();
      if (manifest.include.contents === "data-only" || manifest.include.tables) await loadCurrentSchema(url, scratchUrl, manifest);
      try {
        await loadBackup(path, scratchUrl, { format: manifest.format, noOwner: true, ...(options.onProgress && { onProgress: options.onProgress }) });
      } catch (error) {
        if (error instanceof PgToolError && error.code === "TOOL_FAILED") throw new BackupFault(`restoring it into a scratch database failed: ${firstToolError(error)}`);
        throw error;
      }
      pass("restore", `restored into a scratch database in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      await compareRows(scratchUrl, manifest, pass);
    });
  } catch (error) {
    if (!(error instanceof BackupFault)) throw error;
    const reason = error.message;
    checks.push({ name: "failure", ok: false, detail: reason });
    const updated = recordVerification(path, { state: "failed", at: now().toISOString(), reason, checks });
    return { path, verified: false, reason, checks, manifest: updated };
  }
  const updated = recordVerification(path, { state: "verified", at: now().toISOString(), checks });
  return { path, verified: true, checks, manifest: updated };
}

async function checkIntegrity(path: string, manifest: Manifest, pass: (name: string, detail: string) => void) {
  if (!existsSync(path)) throw new BackupFault(`the file ${basename(path)} is missing`);
  const size = statSync(path).size;
  if (size !== manifest.sizeBytes) {
    throw new BackupFault(`the file is ${size} bytes but was ${manifest.sizeBytes} when written, so it was truncated or changed`);
  }
  const sha256 = await fileSha256(path);
  if (sha256 !== manifest.sha256) throw new BackupFault("its SHA-256 checksum does not match the manifest, so the file was damaged or changed after it was written");
  pass("checksum", `${size} bytes, sha256 ${sha256.slice(0, 16)}... matches the manifest`);
}

async function checkToc(path: string, manifest: Manifest, pass: (name: string, detail: string) => void) {
  let toc;
  try {
    toc = await readToc(path);
  } catch (error) {
    if (error instanceof PgToolError && error.code === "TOOL_FAILED") throw new BackupFault(`pg_restore cannot read it: ${firstToolError(error)}`);
    throw error;
  }
  const withData = manifest.tables.filter((t) => t.rows !== null);
  const missing = withData.filter((t) => !toc.some((e) => e.kind === "TABLE DATA" && e.schema === t.schema && e.name === t.name));
  if (missing.length) throw new BackupFault(`its table of contents has no data for ${missing.map(qualifiedName).join(", ")}`);
  pass("archive", `pg_restore --list reads ${toc.length} entries${withData.length ? `, with data for all ${withData.length} tables` : ""}`);
}

/**
 * The schema a partial backup goes on top of: the current one of the database it would be
 * restored into. For a --table backup, its own tables are dropped again so it can create them.
 */
async function loadCurrentSchema(url: string, scratchUrl: string, manifest: Manifest) {
  await copySchema(url, scratchUrl);
  if (manifest.include.tables && manifest.include.contents !== "data-only") {
    await withConnection(scratchUrl, async (scratch) => {
      for (const t of manifest.tables) await scratch.query(`DROP TABLE IF EXISTS ${quotedName(t)} CASCADE`);
    });
  }
}

function compareRows(scratchUrl: string, manifest: Manifest, pass: (name: string, detail: string) => void) {
  return withConnection(scratchUrl, async (scratch) => {
    const present = await userTables(scratch);
    const missing = manifest.tables.filter((t) => !present.some((p) => p.schema === t.schema && p.name === t.name));
    if (missing.length) throw new BackupFault(`after restoring it, tables are missing: ${missing.map(qualifiedName).join(", ")}`);
    const counted = manifest.tables.filter((t): t is TableRef & { rows: number } => t.rows !== null);
    const counts = await countRows(scratch, counted);
    const wrong = counted.flatMap((t, i) => (counts[i] === t.rows ? [] : [`${qualifiedName(t)} has ${counts[i]} rows, the manifest ${t.rows}`]));
    if (wrong.length) throw new BackupFault(`row counts differ after restoring it: ${wrong.join("; ")}`);
    pass(
      "rows",
      counted.length
        ? `row counts match for all ${counted.length} tables (${counted.reduce((sum, t) => sum + t.rows, 0)} rows)`
        : `all ${manifest.tables.length} tables exist (schema only: no rows to count)`,
    );
  });
}
