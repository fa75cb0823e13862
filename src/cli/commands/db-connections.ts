import { maskUrl } from "../../env.ts";
import { connectionsReport, type ConnectionRow } from "../../ops/reports/connections.ts";
import { withConnection } from "../../ops/sql.ts";
import { defineCommand, EXIT } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { formatAge, printJson } from "../output.ts";
import { tableLines } from "../table.ts";

export const dbConnections = defineCommand({
  path: ["db", "connections"],
  summary: "This database's connections (pg_stat_activity), counted by state: pid, user, application, state, query start.",
  details: [
    "The database guide's \"Monitoring Connections\", as GET /api/v1/admin/db/connections answers it.",
    "Only sessions of the connected database are listed (max_connections is the server's, shared by all",
    "of them); the session marked * is this command's own. Query text is never shown: it may hold a",
    "literal password.",
    "",
    "Exit codes: 0 shown, 1 an error, 2 bad usage.",
  ],
  flags: { url: urlFlag, json: jsonFlag },
  async run(flags, ctx) {
    // A report reads the server's own views with single statements: a pooled URL serves it too.
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx, "any");
    const report = await withConnection(target.url, connectionsReport, { applicationName: "dbctl db connections" });
    const database = maskUrl(target.url);
    if (flags.json) {
      printJson(ctx, { url: database, ...report });
      return EXIT.ok;
    }
    const states = Object.entries(report.byState)
      .filter(([, count]) => count > 0)
      .map(([state, count]) => `${count} ${state}`)
      .join(", ");
    ctx.stdout(`Connections to ${report.database} (${database}): ${report.total} of max_connections ${report.maxConnections}; ${states}.`);
    const now = Date.now();
    for (const line of tableLines(["PID", "USER", "APPLICATION", "STATE", "QUERY START", "WAITING FOR", "TYPE"], report.connections.map((row) => toRow(row, now)))) ctx.stdout(line);
    return EXIT.ok;
  },
});

function toRow(row: ConnectionRow, now: number): string[] {
  const started = row.queryStart ? `${row.queryStart.toISOString().slice(0, 19).replace("T", " ")} UTC (${formatAge(now - row.queryStart.getTime())})` : "-";
  return [`${row.pid}${row.current ? " *" : ""}`, row.user ?? "-", row.application || "-", row.state ?? "unknown", started, row.waitEvent ?? "-", row.backendType ?? "-"];
}
