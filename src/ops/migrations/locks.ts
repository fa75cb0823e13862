import { setTimeout as sleep } from "node:timers/promises";
import type { SqlClient } from "../sql.ts";

/**
 * PostgreSQL's table-level lock modes, and what each one stops ordinary traffic from doing while
 * a migration holds it. Reads are plain SELECTs (ACCESS SHARE), writes INSERT, UPDATE and DELETE
 * (ROW EXCLUSIVE); the conflict table is the documentation's ("Explicit Locking", table 13.2).
 */
export const LOCK_MODES = {
  AccessShareLock: [],
  RowShareLock: [],
  RowExclusiveLock: [],
  // Conflicts only with other DDL, VACUUM and ANALYZE: CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT.
  ShareUpdateExclusiveLock: [],
  ShareLock: ["writes"],
  ShareRowExclusiveLock: ["writes"],
  // Lets plain SELECTs through, not SELECT ... FOR UPDATE or any write.
  ExclusiveLock: ["writes"],
  AccessExclusiveLock: ["reads", "writes"],
} as const satisfies Record<string, readonly ("reads" | "writes")[]>;

export type LockMode = keyof typeof LOCK_MODES;
export type Blocked = "reads" | "writes";

/** What a mode blocks; a mode PostgreSQL may add one day is taken as blocking everything. */
export const blocksOf = (mode: string): Blocked[] => [...((LOCK_MODES as Record<string, readonly Blocked[]>)[mode] ?? ["reads", "writes"])];

/** A lock on a relation (table, index, sequence, view) that other sessions can see. */
export interface RelationLock {
  /** As PostgreSQL names it on the search_path: `"Note"`, or `other."Note"` outside it. */
  relation: string;
  /** pg_locks.mode: "ShareLock", "AccessExclusiveLock", ... */
  mode: string;
  blocks: Blocked[];
  /** Only ever seen requested, not granted: queued behind another session (it blocks all the same). */
  waited?: true;
}

export interface LockRow {
  oid: number;
  relation: string;
  mode: string;
  /** false: requested and waiting for it. */
  granted: boolean;
}

/**
 * Every lock a backend holds or waits for: relation locks (a waiting request blocks too: every
 * later request that conflicts with it queues behind it) and the rest (transaction ids, which say
 * whether it waits for another session).
 */
const HELD_LOCKS = `
  SELECT l.locktype, l.relation::int AS oid, l.relation::regclass::text AS relation, l.mode, l.granted
  FROM pg_locks l
  WHERE l.pid = $1 AND (l.database IS NULL OR l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;

/** Relations other sessions can see: the only ones whose locks can block anybody. */
/** A pg_class row (alias `c`) of the user's, not of the system catalogs. */
export const USER_RELATION = `c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)`;

const VISIBLE_RELATIONS = `SELECT c.oid::int AS oid FROM pg_class c WHERE ${USER_RELATION}`;

const lockKey = (l: { oid: number; mode: string }) => `${l.oid}:${l.mode}`;

/**
 * Watches one backend's locks from a second connection. `visible()` records which relations
 * exist for everybody else (call it before each migration: a table the migration creates cannot
 * block anyone until it commits, so its locks are left out); `during(work)` samples the locks for
 * as long as `work` runs and once after it.
 */
export class LockObserver {
  private visibleOids = new Set<number>();

  constructor(
    private readonly observer: SqlClient,
    private readonly pid: number,
  ) {}

  async visible(): Promise<void> {
    const { rows } = await this.observer.query<{ oid: number }>(VISIBLE_RELATIONS);
    this.visibleOids = new Set(rows.map((r) => r.oid));
  }

  /** The locks the backend holds or waits for now, on visible relations, keyed by relation and mode; and whether it waits. */
  async held(): Promise<{ locks: Map<string, LockRow>; waiting: boolean }> {
    // One read of pg_locks (consistent within the call): what it waits for and what it holds, at one moment.
    const { rows } = await this.observer.query<LockRow & { locktype: string }>(HELD_LOCKS, [this.pid]);
    const waiting = rows.some((r) => !r.granted);
    const relations = rows.filter((r) => r.locktype === "relation" && this.visibleOids.has(r.oid));
    return { locks: new Map(relations.map((r) => [lockKey(r), { oid: r.oid, relation: r.relation, mode: r.mode, granted: r.granted }])), waiting };
  }

  /**
   * Runs `work` while sampling, back to back, the locks the backend holds. Answers its result
   * and every lock seen at any sample or once it returned.
   *
   * With `reader`, the observer first opens what production always has: a transaction that
   * reads (REPEATABLE READ, a snapshot taken, ACCESS SHARE on every visible table), and ends it
   * as soon as the statement waits for it. A statement that runs outside a transaction
   * (CREATE INDEX CONCURRENTLY) holds its locks only for milliseconds on an empty copy, too
   * short to be seen reliably; waiting for that reader, as it waits for every open transaction
   * in production, it is seen holding them. A statement that commits a phase and waits with no
   * lock held (DETACH PARTITION CONCURRENTLY between its two transactions) can still finish a
   * phase between two samples: what it took then is not in the trace.
   */
  async during<T>(work: () => Promise<T>, options: { reader?: boolean } = {}): Promise<{ result: T; seen: Map<string, LockRow> }> {
    const seen = new Map<string, LockRow>();
    let reading = false;
    if (options.reader) reading = await this.openReader();
    let running = true;
    const record = (locks: Map<string, LockRow>) => {
      for (const [key, row] of locks) if (!seen.get(key)?.granted) seen.set(key, row);
    };
    const sampling = (async () => {
      // Back to back at first, where short statements are; then backing off to one sample every
      // 20 ms, so a statement that runs for minutes on real data is not watched by a busy loop.
      for (let sample = 0; running; sample++) {
        if (sample > 20) await sleep(Math.min(20, sample - 20));
        const { locks, waiting } = await this.held();
        record(locks);
        if (reading && waiting) {
          reading = false;
          await this.observer.query("COMMIT");
        }
      }
    })();
    let result: T;
    try {
      result = await work();
    } finally {
      running = false;
      await sampling.catch(() => {});
      if (reading) await this.observer.query("COMMIT").catch(() => {});
    }
    record((await this.held()).locks);
    return { result, seen };
  }

  private async openReader(): Promise<boolean> {
    const { rows } = await this.observer.query<{ name: string }>(
      `SELECT c.oid::regclass::text AS name FROM pg_class c WHERE c.relkind IN ('r', 'p') AND c.oid = ANY ($1::oid[])`,
      [[...this.visibleOids]],
    );
    await this.observer.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    try {
      // NOWAIT: a table some other session holds exclusively is not worth stalling the trace for.
      if (rows.length) await this.observer.query(`LOCK TABLE ${rows.map((r) => r.name).join(", ")} IN ACCESS SHARE MODE NOWAIT`);
      await this.observer.query("SELECT 1");
      return true;
    } catch {
      // No reader then: the statement is sampled as it runs, as a transactional one is.
      await this.observer.query("ROLLBACK").catch(() => {});
      return false;
    }
  }
}

export const describeLock = (row: LockRow): RelationLock => ({ relation: row.relation, mode: row.mode, blocks: blocksOf(row.mode), ...(!row.granted && { waited: true }) });

/** Locks as reported: strongest first, then by relation name (byte order: a table before its indexes). */
export function sortLocks<L extends RelationLock>(locks: L[]): L[] {
  const order = Object.keys(LOCK_MODES);
  const strength = (mode: string) => (order.includes(mode) ? order.indexOf(mode) : order.length);
  return locks.sort((a, b) => strength(b.mode) - strength(a.mode) || (a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : 0));
}

/** `"Note" ShareLock (blocks writes)`, for tables people read. */
export const formatLock = (lock: RelationLock) => `${lock.relation} ${lock.mode} (${lock.blocks.length ? `blocks ${lock.blocks.join(" and ")}` : "blocks neither reads nor writes"})`;
