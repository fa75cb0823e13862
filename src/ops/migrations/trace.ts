import { performance } from "node:perf_hooks";
import { maskUrl } from "../../env.ts";
import { copySchema } from "../backup/load.ts";
import { withScratchDatabase } from "../scratch.ts";
import { connect, withConnection, type Connection } from "../sql.ts";
import { describeSqlError, setTimeouts } from "./deploy.ts";
import type { MigrationFile } from "./files.ts";
import { splitStatements, SqlSyntaxError } from "./lint/index.ts";
import { describeLock, LockObserver, sortLocks, USER_RELATION, type RelationLock } from "./locks.ts";
import { migrationStatus } from "./status.ts";

/**
 * Applies migrations statement by statement under the deploy's rules (a migration in one
 * transaction with its lock_timeout, or, when it holds a statement PostgreSQL refuses in a
 * transaction, one statement at a time) while a second connection watches, in pg_locks, which
 * relation locks each statement takes. `migrate trace` runs it on a scratch copy of the target's
 * schema, `migrate rehearse` on a branch of the target's data.
 */

export interface TracedLock extends RelationLock {
  /**
   * How long the lock was held: inside a transaction, from the start of the statement that took
   * it until COMMIT (every statement after it waits with it); outside one, the statement's time.
   */
  heldMs: number;
}

export interface TracedStatement {
  sql: string;
  durationMs: number;
  /** The locks this statement took (inside a transaction: those it added to what was held). */
  locks: TracedLock[];
  /**
   * Tables whose storage the statement replaced (pg_class.relfilenode changed): it rewrote them,
   * every row, under its lock. Read by the migrating connection, which sees its own changes.
   */
  rewrites: string[];
  /** The database's error, when the statement failed (the trace stops there). */
  error?: string;
}

export interface TracedMigration {
  name: string;
  /** false: it runs outside a transaction, one statement at a time (CREATE INDEX CONCURRENTLY...). */
  transactional: boolean;
  durationMs: number;
  statements: TracedStatement[];
}

export interface TraceFailure {
  migration: string;
  /** 1-based; absent when the migration could not be parsed. */
  statement?: number;
  message: string;
}

export interface TraceRun {
  migrations: TracedMigration[];
  failure?: TraceFailure;
}

export interface TraceOptions {
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  log?: (line: string) => void;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The storage file of every user table, as the migrating connection sees it. */
const STORAGE = `
  SELECT c.oid::int AS oid, c.oid::regclass::text AS name, c.relfilenode::int AS file FROM pg_class c
  WHERE c.relkind IN ('r', 'm', 'p') AND ${USER_RELATION}`;

type Storage = Map<number, { name: string; file: number }>;

async function storage(db: Connection): Promise<Storage> {
  const { rows } = await db.query<{ oid: number; name: string; file: number }>(STORAGE);
  return new Map(rows.map((r) => [r.oid, { name: r.name, file: r.file }]));
}

/** Tables that existed before and have a new storage file after. */
const rewritten = (before: Storage, after: Storage) =>
  [...after].filter(([oid, t]) => before.has(oid) && before.get(oid)?.file !== t.file).map(([, t]) => t.name).sort();

/** Runs one statement watched: its time, the locks seen, the tables it rewrote. */
async function watched(db: Connection, watch: LockObserver, sql: string, reader: boolean) {
  const before = await storage(db);
  const start = performance.now();
  const { seen } = await watch.during(() => db.query(sql), { reader });
  const durationMs = round(performance.now() - start);
  return { start, durationMs, seen, rewrites: rewritten(before, await storage(db)) };
}

/**
 * Applies `files` in order through `migrator`, watched from `observer` (two connections to the
 * same database). Stops at the first statement that fails, having rolled its migration back
 * when it ran in a transaction; the failure is in the answer, not thrown.
 */
export async function applyTraced(migrator: Connection, observer: Connection, files: MigrationFile[], options: TraceOptions = {}): Promise<TraceRun> {
  const { rows } = await migrator.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const watch = new LockObserver(observer, rows[0]?.pid as number);
  const run: TraceRun = { migrations: [] };
  for (const file of files) {
    let statements;
    try {
      statements = await splitStatements(file.sql);
    } catch (error) {
      const where = error instanceof SqlSyntaxError ? ` (line ${error.line})` : "";
      run.failure = { migration: file.name, message: `PostgreSQL cannot parse it${where}: ${(error as Error).message}` };
      return run;
    }
    const transactional = !statements.some((s) => s.nonTransactional);
    const traced: TracedMigration = { name: file.name, transactional, durationMs: 0, statements: [] };
    run.migrations.push(traced);
    options.log?.(`Tracing ${file.name}${transactional ? "" : " (outside a transaction, one statement at a time)"}`);
    // Relations the migration creates are invisible to everyone else until it commits.
    await watch.visible();
    const started = performance.now();
    const failed = await runMigration(migrator, watch, statements, traced, options);
    traced.durationMs = round(performance.now() - started);
    if (failed !== undefined) {
      const statement = traced.statements[failed] as TracedStatement;
      run.failure = { migration: file.name, statement: failed + 1, message: statement.error as string };
      return run;
    }
  }
  return run;
}

type Statements = Awaited<ReturnType<typeof splitStatements>>;

/**
 * Runs one migration's statements as deploy would: in one transaction, or one by one outside
 * any (with a reader open, see LockObserver.during). Answers the index of the statement that
 * failed, or undefined.
 */
async function runMigration(db: Connection, watch: LockObserver, statements: Statements, traced: TracedMigration, options: TraceOptions): Promise<number | undefined> {
  const { transactional } = traced;
  if (transactional) await db.query("BEGIN");
  await setTimeouts(db, options, transactional ? "LOCAL" : "SESSION");
  // Inside a transaction every lock stays until COMMIT: when it was first taken is what its hold
  // time counts from, and a later statement reports only the locks it added.
  const takenAt = new Map<string, { lock: TracedLock; at: number }>();
  try {
    for (const [index, statement] of statements.entries()) {
      const step: TracedStatement = { sql: statement.text, durationMs: 0, locks: [], rewrites: [] };
      traced.statements.push(step);
      const start = performance.now();
      try {
        const { seen, durationMs, rewrites } = await watched(db, watch, statement.text, !transactional);
        step.durationMs = durationMs;
        step.rewrites = rewrites;
        const fresh = [...seen].filter(([key]) => !takenAt.has(key));
        step.locks = sortLocks(
          fresh.map(([key, row]) => {
            const lock = { ...describeLock(row), heldMs: durationMs };
            if (transactional) takenAt.set(key, { lock, at: start });
            return lock;
          }),
        );
      } catch (error) {
        step.durationMs = round(performance.now() - start);
        step.error = describeSqlError(error);
        if (transactional) await db.query("ROLLBACK").catch(() => {});
        return index;
      }
    }
    if (!transactional) return undefined;
    try {
      await db.query("COMMIT");
    } catch (error) {
      // A deferred constraint fails here, with every statement run: the last one carries the error.
      const last = traced.statements.at(-1);
      if (!last) throw error;
      last.error = `COMMIT failed: ${describeSqlError(error)}`;
      return traced.statements.length - 1;
    }
    const committed = performance.now();
    for (const { lock, at } of takenAt.values()) lock.heldMs = round(committed - at);
    return undefined;
  } finally {
    if (!transactional) {
      await db.query("RESET lock_timeout").catch(() => {});
      await db.query("RESET statement_timeout").catch(() => {});
    }
  }
}

/** Two connections to one database: the one that migrates, and the one that watches it. */
export async function withTracedConnections<T>(url: string, work: (migrator: Connection, observer: Connection) => Promise<T>): Promise<T> {
  return withConnection(url, (migrator) => withConnection(url, (observer) => work(migrator, observer), { applicationName: "dbctl lock observer" }), {
    applicationName: "dbctl migrate",
  });
}

export interface TraceReport extends TraceRun {
  ok: boolean;
  /** The database whose schema was copied, password masked. */
  database: string;
  /** The scratch database the migrations ran in (dropped before this returns). */
  scratchDatabase?: string;
}

/**
 * `dbctl migrate trace`: the pending migrations of the database at `url`, applied to a scratch
 * database beside it that holds its schema and no rows. The target itself is only read (its
 * migration history and its schema, with pg_dump).
 */
export async function traceMigrations(url: string, files: MigrationFile[], options: TraceOptions = {}): Promise<TraceReport> {
  const status = await withConnection(url, (db) => migrationStatus(db, files));
  const pending = new Set(status.pending);
  const todo = files.filter((file) => pending.has(file.name));
  const database = maskUrl(url);
  if (todo.length === 0) return { ok: true, database, migrations: [] };
  return withScratchDatabase(url, "dbctl_trace", async (scratchUrl, scratchDatabase) => {
    options.log?.(`Copying the schema of ${database} into the scratch database ${scratchDatabase}`);
    await copySchema(url, scratchUrl);
    // A ?schema= the dump did not hold (nothing applied yet) is created, as deploy would.
    await connect(scratchUrl, { createSchema: true }).then((db) => db.close());
    const run = await withTracedConnections(scratchUrl, (migrator, observer) => applyTraced(migrator, observer, todo, options));
    return { ok: !run.failure, database, scratchDatabase, ...run };
  });
}
