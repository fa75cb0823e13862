/**
 * Which functions in a column DEFAULT make ADD COLUMN rewrite the table. PostgreSQL >= 11 stores a
 * non-volatile default once, without a rewrite; a volatile one is computed for every row. The
 * parser cannot see pg_proc, so a function is judged by name: known volatile, known not, or
 * unknown (a user-defined function, whose volatility only the database knows).
 */

/** Functions PostgreSQL marks VOLATILE that show up in column defaults (pg_proc.provolatile = 'v'). */
export const VOLATILE_FUNCTIONS = new Set([
  "random",
  "random_normal",
  "gen_random_uuid",
  "uuidv4",
  "uuidv7",
  "uuid_generate_v1",
  "uuid_generate_v1mc",
  "uuid_generate_v4",
  "gen_random_bytes",
  "clock_timestamp",
  "timeofday",
  "nextval",
  "currval",
  "lastval",
  "setval",
  "setseed",
]);

/**
 * Built-in functions that are STABLE or IMMUTABLE (pg_proc.provolatile <> 'v') and plausible in a
 * default. A function in neither list is reported as unprovable, as squawk does: suppress the
 * finding with `-- lint-ignore add-column-volatile-default: f() is STABLE` when it is not volatile.
 */
export const NON_VOLATILE_FUNCTIONS = new Set(
  (
    "now statement_timestamp transaction_timestamp localtimestamp current_date current_time current_timestamp localtime " +
    "date_trunc date_part extract timezone make_date make_time make_timestamp make_timestamptz make_interval to_timestamp to_date to_char to_number " +
    "lower upper initcap btrim ltrim rtrim trim substr substring left right length char_length replace repeat lpad rpad concat concat_ws format md5 encode decode " +
    "abs round floor ceil ceiling trunc greatest least nullif coalesce " +
    "to_json to_jsonb json_build_object jsonb_build_object json_build_array jsonb_build_array json_object jsonb_object array_to_json array_fill " +
    "current_setting current_user current_schema current_database session_user"
  ).split(" "),
);

export type Volatility = "volatile" | "unknown" | "stable";

export const volatilityOf = (name: string): Volatility => (VOLATILE_FUNCTIONS.has(name) ? "volatile" : NON_VOLATILE_FUNCTIONS.has(name) ? "stable" : "unknown");
