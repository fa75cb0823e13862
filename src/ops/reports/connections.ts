import type { SqlClient } from "../sql.ts";

/**
 * The guide's "Monitoring Connections": this database's sessions from pg_stat_activity, counted
 * by state, with who holds each (pid, user, application, state, when its query started). The
 * query text is never read: it may hold a literal password (ALTER ROLE ... PASSWORD '...').
 * Pure SQL over the minimal client, so the API (through Prisma) and dbctl (a direct connection)
 * run the same report.
 */
export interface ConnectionRow {
  pid: number;
  user: string | null;
  application: string | null;
  /** active, idle, idle in transaction, ...; null when the role may not see another role's session, or for a background process. */
  state: string | null;
  queryStart: Date | null;
  /** Since when the session has been in its state. */
  stateChange: Date | null;
  backendStart: Date | null;
  /** What the session waits for (Lock: relation, Client: ClientRead, ...), null when it waits for nothing. */
  waitEvent: string | null;
  backendType: string | null;
  /** The session this report itself runs in. */
  current: boolean;
}

export interface ConnectionsReport {
  database: string;
  total: number;
  /** The server's max_connections (every database shares it). */
  maxConnections: number;
  /** Sessions per state; a session whose state cannot be seen counts as "unknown". */
  byState: Record<string, number>;
  connections: ConnectionRow[];
}

/** pg_stat_activity's states, always present in byState (0 when none), so a reader need not guess the keys. */
export const CONNECTION_STATES = ["active", "idle", "idle in transaction", "idle in transaction (aborted)", "fastpath function call", "disabled"] as const;

interface Row {
  database: string;
  max_connections: number;
  pid: number;
  user: string | null;
  application: string | null;
  state: string | null;
  query_start: Date | string | null;
  state_change: Date | string | null;
  backend_start: Date | string | null;
  wait_event: string | null;
  backend_type: string | null;
  current: boolean;
}

export async function connectionsReport(db: SqlClient): Promise<ConnectionsReport> {
  // Everything numeric arrives as int4 and every moment as timestamptz: the same JavaScript
  // types through node-postgres and through Prisma's raw queries.
  const { rows } = await db.query<Row>(
    `SELECT current_database() AS database, current_setting('max_connections')::int4 AS max_connections,
            a.pid, a.usename::text AS user, a.application_name AS application, a.state,
            a.query_start, a.state_change, a.backend_start,
            CASE WHEN a.wait_event IS NULL THEN NULL ELSE a.wait_event_type || ': ' || a.wait_event END AS wait_event,
            a.backend_type, a.pid = pg_backend_pid() AS current
     FROM pg_stat_activity a
     WHERE a.datname = current_database()
     ORDER BY a.backend_start NULLS LAST, a.pid`,
  );
  // The report's own session is always among them, so the first row names the database.
  const first = rows[0];
  const connections = rows.map(
      (row): ConnectionRow => ({
        pid: row.pid,
        user: row.user,
        application: row.application,
        state: row.state,
        queryStart: moment(row.query_start),
        stateChange: moment(row.state_change),
        backendStart: moment(row.backend_start),
        waitEvent: row.wait_event,
        backendType: row.backend_type,
        current: row.current,
      }),
    );
  const byState: Record<string, number> = Object.fromEntries(CONNECTION_STATES.map((state) => [state, 0]));
  for (const row of connections) {
    const state = row.state ?? "unknown";
    byState[state] = (byState[state] ?? 0) + 1;
  }
  return { database: first?.database ?? "", total: connections.length, maxConnections: first?.max_connections ?? 0, byState, connections };
}

const moment = (value: Date | string | null): Date | null => (value === null ? null : value instanceof Date ? value : new Date(value));
