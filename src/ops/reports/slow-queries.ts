import type { SqlClient } from "../sql.ts";

/**
 * The guide's "Analyzing Slow Queries": this database's statements with the highest mean time,
 * from pg_stat_statements. PostgreSQL 13 renamed its columns (mean_time -> mean_exec_time,
 * total_time -> total_exec_time); the report reads whichever the installed view has. Without
 * the extension (not created in this database, or its library not preloaded) the answer says
 * so and how to enable it, instead of failing. Statement text is normalised by the extension
 * (constants become $1, $2, ...), except in utility statements: passwords and connection strings
 * are masked before they leave, and long text is cut. The report's own statements are left out.
 */
export const SLOW_QUERIES_DEFAULT_LIMIT = 10;
export const SLOW_QUERIES_MAX_LIMIT = 100;
export const QUERY_TEXT_MAX = 500;

export interface SlowQuery {
  /** Normalised statement text, secrets masked, at most QUERY_TEXT_MAX characters (then "…"). */
  query: string;
  calls: number;
  meanMs: number;
  totalMs: number;
  /** Rows retrieved or affected, over every call. */
  rows: number;
}

export type SlowQueriesReport =
  | { available: true; database: string; limit: number; statements: SlowQuery[] }
  | { available: false; database: string; reason: string; howToEnable: string[] };

const EXTENSION = "pg_stat_statements";
const CREATE = `CREATE EXTENSION IF NOT EXISTS ${EXTENSION};`;
/** pg_stat_statements keeps a statement's leading comment: the report's own statements carry this one, and it leaves them out. */
const OWN = "/* slow-queries report */";

export async function slowQueriesReport(db: SqlClient, options: { limit?: number } = {}): Promise<SlowQueriesReport> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? SLOW_QUERIES_DEFAULT_LIMIT), 1), SLOW_QUERIES_MAX_LIMIT);
  // pg_settings hides shared_preload_libraries from roles that may not read it: null is "unknown".
  const { rows: info } = await db.query<{ database: string; schema: string | null; preload: string | null }>(
    `${OWN} SELECT current_database() AS database,
            (SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1) AS schema,
            (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload`,
    [EXTENSION],
  );
  const { database, schema, preload } = info[0] ?? { database: "", schema: null, preload: null };
  const preloaded = preload === null ? undefined : preload.split(",").some((name) => name.trim().replace(/^"|"$/g, "") === EXTENSION);

  if (schema === null) {
    return { available: false, database, reason: `The ${EXTENSION} extension is not installed in database ${database}.`, howToEnable: steps(preloaded) };
  }
  if (preloaded === false) {
    return { available: false, database, reason: `The ${EXTENSION} library is not loaded: it must be listed in shared_preload_libraries.`, howToEnable: steps(false) };
  }

  const view = `${schema}.${EXTENSION}`;
  const { rows: columns } = await db.query<{ name: string }>(
    `${OWN} SELECT attname::text AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname IN ('mean_exec_time', 'mean_time') AND NOT attisdropped`,
    [view],
  );
  const modern = columns.some((c) => c.name === "mean_exec_time");
  const mean = modern ? "mean_exec_time" : "mean_time";
  const total = modern ? "total_exec_time" : "total_time";
  try {
    const { rows } = await db.query<{ query: string | null; calls: number; mean_ms: number; total_ms: number; rows: number }>(
      `${OWN} SELECT s.query, s.calls::float8 AS calls, s.${mean}::float8 AS mean_ms, s.${total}::float8 AS total_ms, s.rows::float8 AS rows
       FROM ${view} s
       WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.query NOT LIKE $2
       ORDER BY s.${mean} DESC, s.calls DESC
       LIMIT $1`,
      [limit, `${OWN}%`],
    );
    return {
      available: true,
      database,
      limit,
      statements: rows.map((row) => ({
        query: truncate(maskSecrets(row.query ?? "<insufficient privilege>")),
        calls: row.calls,
        meanMs: round(row.mean_ms),
        totalMs: round(row.total_ms),
        rows: row.rows,
      })),
    };
  } catch (error) {
    // Created, but the server was started without the library (a preload setting only takes effect on restart).
    if (/shared_preload_libraries/.test(String((error as { message?: unknown }).message))) {
      return { available: false, database, reason: `The ${EXTENSION} library is not loaded: it must be listed in shared_preload_libraries.`, howToEnable: steps(false) };
    }
    throw error;
  }
}

/** The exact steps; `preloaded` undefined when the role may not see the setting. */
function steps(preloaded: boolean | undefined): string[] {
  const neon = `On Neon the library is already loaded: run ${CREATE} in the database (the preload step does not apply).`;
  if (preloaded === true) return [`Run ${CREATE} in this database (the library is already loaded).`];
  return [
    `Add ${EXTENSION} to shared_preload_libraries (in postgresql.conf, or ALTER SYSTEM SET shared_preload_libraries = '${EXTENSION}'; keeping any libraries already listed there, comma-separated), then restart PostgreSQL.`,
    `Run ${CREATE} in this database.`,
    neon,
  ];
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= QUERY_TEXT_MAX ? flat : `${flat.slice(0, QUERY_TEXT_MAX - 1)}…`;
}

const QUOTED = String.raw`'(?:[^']|'')*'`;

/**
 * Utility statements keep their literals in pg_stat_statements: `CREATE ROLE ... PASSWORD 'x'`,
 * `CREATE USER MAPPING ... OPTIONS (password 'x')`, `CREATE SUBSCRIPTION ... CONNECTION
 * 'password=x'` and URLs with a password are masked.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(new RegExp(String.raw`\b(password\s+)(?:E?${QUOTED}|\$[A-Za-z_]*\$[\s\S]*?\$[A-Za-z_]*\$)`, "gi"), "$1'****'")
    .replace(/\b(password\s*=\s*)(?:"[^"]*"|[^\s'"]+)/gi, "$1****")
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)[^\s@'"]+@/gi, "$1****@");
}
