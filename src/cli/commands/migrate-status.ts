import { maskUrl } from "../../env.ts";
import { migrationStatus, type MigrationStatus } from "../../ops/migrations/status.ts";
import { withConnection } from "../../ops/sql.ts";
import { defineCommand, EXIT } from "../command.ts";
import { openMigrations } from "../migrations-target.ts";
import { jsonFlag, migrationsDirFlag, urlFlag } from "../flags.ts";
import { printJson } from "../output.ts";

export const migrateStatus = defineCommand({
  path: ["migrate", "status"],
  summary: "Show applied, pending, failed, modified and missing migrations; exit 1 unless up to date.",
  details: [
    "Compares the migrations folder with the database's _prisma_migrations table (read only;",
    "nothing is created or changed). Prints each group, then a verdict.",
    "",
    "Exit codes: 0 up to date, 1 pending / failed / missing-locally migrations or an error, 2 bad usage.",
    "A migration changed after it was applied (checksum mismatch) is reported as a warning.",
  ],
  flags: { url: urlFlag, migrationsDir: migrationsDirFlag, json: jsonFlag },
  async run(flags, ctx) {
    const { target, files, log } = openMigrations(flags, ctx);
    const status = await withConnection(target.url, (db) => migrationStatus(db, files));
    if (log) log(renderStatus(status));
    else printJson(ctx, { database: maskUrl(target.url), migrationsDir: flags.migrationsDir, ...status });
    return status.upToDate ? EXIT.ok : EXIT.failure;
  },
});

function renderStatus(status: MigrationStatus): string {
  const lines: string[] = [];
  const section = (title: string, rows: string[]) => {
    if (rows.length === 0) return;
    lines.push("", `${title} (${rows.length}):`, ...rows.map((row) => `  ${row}`));
  };
  section("Applied", status.applied.map((m) => `${m.name}  (finished ${m.finishedAt.toISOString()})`));
  section("Pending", status.pending);
  section(
    "Failed",
    status.failed.map((m) => `${m.name}  (started ${m.startedAt.toISOString()}): ${firstLine(m.logs) ?? "no logs recorded"}`),
  );
  section("Modified after being applied (checksum mismatch)", status.modified.map((m) => m.name));
  section("Applied to the database but missing from the migrations folder", status.missingLocally);
  lines.push("");
  if (status.upToDate) {
    lines.push("Database schema is up to date!");
  } else {
    const parts = [
      status.pending.length && `${status.pending.length} pending`,
      status.failed.length && `${status.failed.length} failed`,
      status.missingLocally.length && `${status.missingLocally.length} missing locally`,
    ].filter(Boolean);
    lines.push(`Database schema is not up to date: ${parts.join(", ")}.`);
    if (status.failed.length) {
      lines.push("A failed migration blocks every deploy: fix the database, then mark it with `prisma migrate resolve --rolled-back <name>` (or --applied).");
    } else if (status.pending.length) {
      lines.push("Run `dbctl migrate deploy` to apply the pending migrations.");
    }
  }
  if (status.modified.length) {
    lines.push("warning: a migration file changed after it was applied; the database ran the old version. Restore the file or add a new migration.");
  }
  return lines.join("\n");
}

const firstLine = (text: string | null) => (text ? (text.split("\n")[0] ?? text) : undefined);
