/**
 * Prisma stores DateTime as UTC wall time in `timestamp(3)` columns. Jobs speak to them through a
 * plain SQL client (node-postgres or Prisma's raw queries, whichever the runtime has), so every
 * moment goes in as an ISO string read as UTC, and comes out as timestamptz, which both clients
 * turn into the right Date whatever the session's TimeZone.
 */

/** A parameter placeholder holding an ISO time, as the column's UTC wall time. */
export const utcParam = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;

/** A timestamp(3) column, read back as an instant. */
export const utcColumn = (column: string) => `(${column} AT TIME ZONE 'UTC')`;

/** The database's own present as the columns store it (leases use it: tests move only the jobs' clock). */
export const DB_NOW = `(now() AT TIME ZONE 'UTC')`;

/** Drivers hand back a Date or a string for timestamptz; this is always a Date. */
export const asDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
