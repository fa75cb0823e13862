import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { z } from "zod";
import { envObject, maskUrl } from "../../env.ts";
import { runningPid } from "../recovery/self-hosted/server.ts";

/**
 * How a second terminal finds `npm start`'s embedded PostgreSQL with nothing configured. Each
 * start records the server's address beside its data folder (`.data/local-database.json` for
 * `.data/postgres`); dbctl, the seeds and prisma.config.ts read it when no URL is set. The record
 * alone proves nothing (the server may have stopped since): PostgreSQL's own postmaster.pid must
 * name a live postgres process listening on the recorded port.
 */
export interface LocalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Absolute path of the data folder. */
  dataDir: string;
}

const recordSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  user: z.string().min(1),
  password: z.string(),
  database: z.string().min(1),
  dataDir: z.string().min(1),
});

export type LocalDatabaseLookup =
  | { running: true; database: LocalDatabase; url: string; dataDir: string }
  | { running: false; dataDir: string };

/** The record of the server whose data is in `dataDir`. */
export function localDatabaseFile(dataDir: string): string {
  return join(dirname(resolve(dataDir)), "local-database.json");
}

/** Written by npm start each time it starts the server; private (it holds the password). */
export function recordLocalDatabase(database: LocalDatabase): string {
  const file = localDatabaseFile(database.dataDir);
  const record: LocalDatabase = { ...database, dataDir: resolve(database.dataDir) };
  // Written aside and renamed, so a reader never sees half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
  return file;
}

export const localDatabaseUrl = (db: LocalDatabase) =>
  `postgresql://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`;

/** npm start's database as the environment places it (EMBEDDED_PG_DIR, relative to `cwd`), if it runs now. */
export function findLocalDatabase(where: { cwd: string; env: Record<string, string | undefined> }): LocalDatabaseLookup {
  const dataDir = resolve(where.cwd, embeddedDir(where.env));
  const database = readRecord(dataDir);
  if (!database || !serves(dataDir, database.port)) return { running: false, dataDir };
  return { running: true, database, url: localDatabaseUrl(database), dataDir };
}

/** The line a command prints (on stderr) when it uses npm start's database. */
export function usingLocalDatabase(lookup: Extract<LocalDatabaseLookup, { running: true }>, cwd: string): string {
  return `Using the database of npm start: ${maskUrl(lookup.url)} (${shownPath(lookup.dataDir, cwd)})`;
}

/** The one sentence for "nothing configured and npm start's database not running"; `otherwise` names the settings. */
export function noLocalDatabase(lookup: LocalDatabaseLookup, cwd: string, otherwise: string): string {
  const start = readRecord(lookup.dataDir)
    ? `No database URL, and the database of npm start (${shownPath(lookup.dataDir, cwd)}) is not running: start it with \`npm start\` in another terminal`
    : "No database URL: start the local database with `npm start` in another terminal";
  return `${start}, ${otherwise}.`;
}

function embeddedDir(env: Record<string, string | undefined>): string {
  // The schema's own default, so npm start and its readers cannot disagree about it.
  return envObject.shape.EMBEDDED_PG_DIR.parse(env.EMBEDDED_PG_DIR?.trim() || undefined);
}

function readRecord(dataDir: string): LocalDatabase | undefined {
  let text: string;
  try {
    text = readFileSync(localDatabaseFile(dataDir), "utf8");
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = recordSchema.safeParse(json);
  // Another data folder with the same parent wrote it: not the server asked for.
  if (!parsed.success || resolve(parsed.data.dataDir) !== dataDir) return undefined;
  return parsed.data;
}

/** postmaster.pid: a live postgres process (line 1) listening on the port (line 4). */
function serves(dataDir: string, port: number): boolean {
  if (!runningPid(dataDir)) return false;
  try {
    const lines = readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n");
    return Number.parseInt(lines[3] ?? "", 10) === port;
  } catch {
    return false;
  }
}

function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
