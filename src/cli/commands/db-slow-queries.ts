import { maskUrl } from "../../env.ts";
import { SLOW_QUERIES_DEFAULT_LIMIT, SLOW_QUERIES_MAX_LIMIT, slowQueriesReport, type SlowQuery } from "../../ops/reports/slow-queries.ts";
import { withConnection } from "../../ops/sql.ts";
import { defineCommand, EXIT } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { jsonFlag, urlFlag, wholeNumber } from "../flags.ts";
import { plural, printJson } from "../output.ts";
import { tableLines } from "../table.ts";

/** A terminal line has room for this much of a statement; --json has the whole (already cut) text. */
const QUERY_COLUMN = 120;

export const dbSlowQueries = defineCommand({
  path: ["db", "slow-queries"],
  summary: "This database's statements with the highest mean time, from pg_stat_statements.",
  details: [
    "The database guide's \"Analyzing Slow Queries\", as GET /api/v1/admin/db/slow-queries answers it:",
    "normalised statement text (constants are $1, $2, ...; passwords masked), calls, mean and total time",
    "in milliseconds, rows. When the extension is not enabled in this database, says so and how to",
    "enable it (shared_preload_libraries, then CREATE EXTENSION; on Neon only CREATE EXTENSION).",
    "",
    "Exit codes: 0 shown (also when pg_stat_statements is not enabled), 1 an error, 2 bad usage.",
  ],
  flags: {
    limit: flag.string(wholeNumber(1, SLOW_QUERIES_MAX_LIMIT).optional(), {
      valueName: "<n>",
      description: `How many statements, 1 to ${SLOW_QUERIES_MAX_LIMIT}. Default: ${SLOW_QUERIES_DEFAULT_LIMIT}.`,
    }),
    url: urlFlag,
    json: jsonFlag,
  },
  async run(flags, ctx) {
    // A report reads the server's own views with single statements: a pooled URL serves it too.
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx, "any");
    const report = await withConnection(target.url, (db) => slowQueriesReport(db, { limit: flags.limit ?? SLOW_QUERIES_DEFAULT_LIMIT }), { applicationName: "dbctl db slow-queries" });
    const database = maskUrl(target.url);
    if (flags.json) {
      printJson(ctx, { url: database, ...report });
      return EXIT.ok;
    }
    if (!report.available) {
      ctx.stdout(`No statement statistics for ${report.database} (${database}): ${report.reason}`);
      ctx.stdout("To enable them:");
      report.howToEnable.forEach((step, i) => ctx.stdout(`  ${i + 1}. ${step}`));
      return EXIT.ok;
    }
    if (report.statements.length === 0) {
      ctx.stdout(`No statements recorded yet for ${report.database} (${database}).`);
      return EXIT.ok;
    }
    ctx.stdout(`Slowest statements in ${report.database} (${database}) by mean time, ${plural(report.statements.length, "statement")}:`);
    for (const line of tableLines(["MEAN ms", "CALLS", "TOTAL ms", "ROWS", "QUERY"], report.statements.map(toRow))) ctx.stdout(line);
    return EXIT.ok;
  },
});

const ms = (value: number) => value.toFixed(value < 10 ? 3 : 1);

function toRow(s: SlowQuery): string[] {
  const query = s.query.length <= QUERY_COLUMN ? s.query : `${s.query.slice(0, QUERY_COLUMN - 1)}…`;
  return [ms(s.meanMs), String(s.calls), ms(s.totalMs), String(s.rows), query];
}

