/**
 * The postgresql.conf settings that make a server archive its WAL into a folder: what every
 * instance the self-hosted provider starts runs with, and what `npm start`'s embedded server
 * passes to startEmbeddedPostgres to make its history restorable.
 */
export interface ArchivingOptions {
  /**
   * Seconds after which a WAL segment with new writes is closed and archived even if it is not
   * full: the newest restorable moment lags the present by at most this much. Each switch costs a
   * whole segment file (16 MB by default) in the archive, so keep it in minutes outside tests.
   */
  archiveTimeoutSeconds?: number;
}

export function archivingSettings(archiveDir: string, options: ArchivingOptions = {}): Record<string, string> {
  return {
    wal_level: "replica",
    archive_mode: "on",
    archive_command: archiveCommand(archiveDir),
    archive_timeout: String(options.archiveTimeoutSeconds ?? 300),
    // pg_basebackup takes base backups over a replication connection.
    max_wal_senders: "10",
  };
}

/**
 * Never overwrites an archived segment (two servers writing the same name would be a bug, and an
 * overwrite would destroy history); succeeds when the same file is archived again after a crash
 * (PostgreSQL may retry a segment it archived but did not get to mark done); copies through a
 * temporary name, flushed to disk before it gets the segment's name, because PostgreSQL recycles
 * a segment as soon as this command succeeds. Sparse copies: a segment closed early by
 * archive_timeout or pg_switch_wal() is mostly zeros, which then take no disk space.
 */
export function archiveCommand(archiveDir: string): string {
  const dir = shellPath(archiveDir);
  return (
    `if test -f ${dir}/%f; then cmp -s %p ${dir}/%f; ` +
    `else cp --sparse=always %p ${dir}/%f.tmp && sync ${dir}/%f.tmp && mv ${dir}/%f.tmp ${dir}/%f && sync ${dir}; fi`
  );
}

/** Fetches a segment or history file from the archive; fails quietly when it is not there. */
export function restoreCommand(archiveDir: string): string {
  const dir = shellPath(archiveDir);
  return `test -f ${dir}/%f && cp ${dir}/%f %p`;
}

function shellPath(path: string): string {
  // Single quotes need no escaping inside, and % is PostgreSQL's placeholder sign.
  if (/['%\n]/.test(path)) throw new Error(`The WAL archive path ${path} must not contain quotes, % or newlines.`);
  return `'${path}'`;
}
