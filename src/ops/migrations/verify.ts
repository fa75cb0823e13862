import { withScratchDatabase } from "../scratch.ts";
import { connect, type SqlClient } from "../sql.ts";
import { runScript } from "./execution.ts";
import type { MigrationFile } from "./files.ts";
import { columnOrderOnly } from "./column-order.ts";
import { diffFingerprints, fingerprint, isSameSchema, renderDiff, type FingerprintDiff } from "./fingerprint.ts";
import { readRollback, rollbackPath } from "./rollback-files.ts";

export interface VerifyFailure {
  migration: string;
  stage: "missing-rollback" | "apply" | "rollback" | "rollback-mismatch" | "reapply" | "reapply-mismatch";
  message: string;
  diff?: FingerprintDiff;
}

export interface VerifyResult {
  ok: boolean;
  /** The scratch database the round trips ran in (dropped before this returns). */
  scratchDatabase?: string;
  verified: string[];
  /** Round trips that passed with a difference PostgreSQL cannot undo (the column order after a DROP COLUMN), by migration. */
  notes?: Record<string, string>;
  failure?: VerifyFailure;
}

/**
 * Round-trips every migration on a scratch database: for each in order, fingerprint the schema,
 * apply the migration, apply its rollback, require the fingerprint to equal the one before, then
 * apply the migration again (and require the same schema as the first time). Stops at the first
 * migration that fails and says why, with the schema difference.
 */
export async function verifyMigrations(
  url: string,
  files: MigrationFile[],
  options: { rollbackDir: string; log?: (line: string) => void },
): Promise<VerifyResult> {
  const log = options.log ?? (() => {});
  const missing = files.find((file) => !readRollback(options.rollbackDir, file.name));
  if (missing) {
    return {
      ok: false,
      verified: [],
      failure: { migration: missing.name, stage: "missing-rollback", message: `has no rollback script (${rollbackPath(options.rollbackDir, missing.name)})` },
    };
  }
  return withScratchDatabase(url, "dbctl_verify", async (scratchUrl, scratchDatabase): Promise<VerifyResult> => {
    const db = await connect(scratchUrl, { createSchema: true, applicationName: "dbctl verify" });
    try {
      const verified: string[] = [];
      const notes: Record<string, string> = {};
      const withNotes = () => (Object.keys(notes).length ? { notes } : {});
      for (const file of files) {
        const { failure, note } = await roundTrip(db, file, options.rollbackDir);
        if (failure) return { ok: false, scratchDatabase, verified, ...withNotes(), failure };
        verified.push(file.name);
        if (note) notes[file.name] = note;
        log(`ok  ${file.name}${note ? ` (${note})` : ""}`);
      }
      return { ok: true, scratchDatabase, verified, ...withNotes() };
    } finally {
      await db.close();
    }
  });
}

async function roundTrip(db: SqlClient, file: MigrationFile, rollbackDir: string): Promise<{ failure?: VerifyFailure; note?: string }> {
  const rollback = readRollback(rollbackDir, file.name);
  if (!rollback) return { failure: { migration: file.name, stage: "missing-rollback", message: "has no rollback script" } };
  const result = await roundTripSteps(db, file, rollback.sql);
  return typeof result === "string" ? { note: result } : result ? { failure: result } : {};
}

/** The round trip's verdict: a failure, a note on a difference PostgreSQL cannot undo, or undefined. */
async function roundTripSteps(db: SqlClient, file: MigrationFile, rollbackSql: string): Promise<VerifyFailure | string | undefined> {
  const before = await fingerprint(db);

  const applied = await attempt(db, file.sql);
  if (applied) return { migration: file.name, stage: "apply", message: `does not apply: ${applied}` };
  const after = await fingerprint(db);

  const undone = await attempt(db, rollbackSql);
  if (undone) return { migration: file.name, stage: "rollback", message: `its rollback.sql fails: ${undone}` };
  const restored = diffFingerprints(before, await fingerprint(db));
  // A rollback that re-adds a dropped column puts it last: the one difference no SQL can undo.
  const note = isSameSchema(restored) ? undefined : await columnOrderOnly(restored, file.sql);
  if (!isSameSchema(restored) && !note) {
    return {
      migration: file.name,
      stage: "rollback-mismatch",
      message: `its rollback.sql does not restore the schema from before it:\n${renderDiff(restored)}`,
      diff: restored,
    };
  }

  const again = await attempt(db, file.sql);
  if (again) return { migration: file.name, stage: "reapply", message: `does not apply again after its rollback: ${again}` };
  const reapplied = diffFingerprints(after, await fingerprint(db));
  if (!isSameSchema(reapplied)) {
    return {
      migration: file.name,
      stage: "reapply-mismatch",
      message: `applied again after its rollback, it gives a different schema than the first time:\n${renderDiff(reapplied)}`,
      diff: reapplied,
    };
  }
  return note;
}

/** Runs a script; answers the error text, or undefined when it succeeded. */
async function attempt(db: SqlClient, sql: string): Promise<string | undefined> {
  try {
    await runScript(db, sql);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
