import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { connect } from "../../sql.ts";
import { type BackupRecord, StateStore } from "./state.ts";
import { type Credentials, type RunAs, runAsServer, serverOwnedDir, serverUrl } from "./server.ts";
import { type TimelineSpan, parseLsn } from "./wal.ts";

/** Debian's versioned tool first (the /usr/bin wrapper guesses a version), then PATH. */
function pgBasebackup(): string {
  const debian = "/usr/lib/postgresql/15/bin/pg_basebackup";
  return existsSync(debian) ? debian : "pg_basebackup";
}

/**
 * A base backup of a running server into backups/<id>/data: plain format without WAL (-X none),
 * since every segment it needs is in the archive; pg_basebackup waits until the last of them is
 * archived. A fast checkpoint starts it at once.
 */
export async function takeBaseBackup(options: {
  store: StateStore;
  branch: string;
  port: number;
  credentials: Credentials;
  runAs: RunAs | undefined;
  durable: boolean;
}): Promise<BackupRecord> {
  const { store, runAs } = options;
  const now = new Date();
  const id = `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${options.branch}-${randomBytes(3).toString("hex")}`;
  const folder = join(store.backupsDir, id);
  serverOwnedDir(store.backupsDir, runAs, 0o755);
  serverOwnedDir(folder, runAs);
  const conn = await connect(serverUrl(options.credentials, options.port, "postgres"), { applicationName: "dbctl recovery" });
  try {
    const before = await conn.query<{ now: Date; segment_size: string }>(
      "SELECT now(), current_setting('wal_segment_size', true) AS segment_size",
    );
    await runAsServer(
      pgBasebackup(),
      [
        "-h", options.credentials.host,
        "-p", String(options.port),
        "-U", options.credentials.user,
        "-D", join(folder, "data"),
        "-Fp", "-X", "none", "-c", "fast",
        "-l", `dbctl ${id}`,
        ...(options.durable ? [] : ["--no-sync"]),
      ],
      runAs,
      { PGPASSWORD: options.credentials.password },
    );
    const after = await conn.query<{ ms: string }>("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + 1 AS ms");
    const label = readFileSync(join(folder, "data", "backup_label"), "utf8");
    const manifest = JSON.parse(readFileSync(join(folder, "data", "backup_manifest"), "utf8")) as {
      "WAL-Ranges": { Timeline: number; "Start-LSN": string; "End-LSN": string }[];
    };
    const range = manifest["WAL-Ranges"].at(-1);
    const startLsn = /START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(label)?.[1];
    const timeline = Number(/START TIMELINE: (\d+)/.exec(label)?.[1]);
    if (!range || !startLsn || !timeline) throw new Error(`Could not read the WAL range of base backup ${id}.`);
    const record = {
      id,
      branch: options.branch,
      timeline,
      startLsn,
      stopLsn: range["End-LSN"],
      startedAt: (before.rows[0] as { now: Date }).now,
      consistentAt: new Date(Number((after.rows[0] as { ms: string }).ms)),
      walSegmentSize: parseSegmentSize(before.rows[0]?.segment_size),
    };
    store.writeBackup(record);
    return { ...record, dataDir: join(folder, "data") };
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  } finally {
    await conn.close();
  }
}

/** `current_setting('wal_segment_size')` reads like "16MB" or "1MB". */
export function parseSegmentSize(text: string | undefined): number {
  const match = /^(\d+)\s*(kB|MB|GB)?$/.exec(text?.trim() ?? "");
  if (!match) throw new Error(`Unexpected wal_segment_size "${text}".`);
  const unit = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[match[2] ?? "MB"] ?? 1;
  return Number(match[1]) * unit;
}

/**
 * Whether a base backup lies on a timeline's ancestry: taken on one of its timelines, and
 * finished before that timeline forked into the next one of the path.
 */
export function backupOnPath(backup: BackupRecord, path: TimelineSpan[]): boolean {
  const start = parseLsn(backup.startLsn);
  const stop = parseLsn(backup.stopLsn);
  return path.some((span) => span.timeline === backup.timeline && start >= span.begin && (span.end === undefined || stop <= span.end));
}
