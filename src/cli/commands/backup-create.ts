import { z } from "zod";
import { maskUrl } from "../../env.ts";
import { createBackup } from "../../ops/backup/create.ts";
import { defineCommand, EXIT } from "../command.ts";
import { backupConfig, backupDirFlag, tableFlag } from "../backup-config.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { displayPath, formatBytes, plural, printJson } from "../output.ts";
import { progressLine } from "../progress-line.ts";

export const backupCreate = defineCommand({
  path: ["backup", "create"],
  summary: "pg_dump the database into BACKUP_DIR with a manifest (checksum, row counts, versions).",
  details: [
    "Runs the guide's pg_dump: -Fc (custom, compressed; the default) or plain SQL, -s for",
    "--schema-only, -a for --data-only, -t for each --table. The file is",
    "<BACKUP_DIR>/db_<APP_ENV>_<YYYYMMDD_HHMMSS>.dump (or .sql), and <file>.manifest.json beside",
    "it records its SHA-256, size, duration, pg_dump and server versions, and every table with its",
    "exact row count, counted in the very snapshot pg_dump dumped (pg_export_snapshot).",
    "A failed dump leaves no file. The password never appears on a command line or in the output.",
    "",
    "Then prove it restorable with `dbctl backup verify <file>`.",
    "",
    "Exit codes: 0 created, 1 failed (pg_dump missing or older than the server, connection), 2 bad usage.",
  ],
  flags: {
    format: flag.string(z.enum(["custom", "plain"], { message: "must be custom or plain" }).default("custom"), {
      valueName: "<custom|plain>",
      description: "custom: pg_dump -Fc, for pg_restore (default); plain: SQL for psql.",
    }),
    schemaOnly: flag.boolean({ description: "Only the schema, no rows (pg_dump -s)." }),
    dataOnly: flag.boolean({ description: "Only the rows, no schema (pg_dump -a)." }),
    table: tableFlag,
    backupDir: backupDirFlag,
    url: urlFlag,
    json: jsonFlag,
  },
  conflicts: [["schemaOnly", "dataOnly"]],
  async run(flags, ctx) {
    const config = backupConfig(ctx, flags.backupDir);
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
    if (!flags.json) {
      ctx.stdout(`Backing up ${maskUrl(target.url)} (from ${target.source}) into ${displayPath(ctx, config.dir)} ...`);
    }
    const progress = progressLine(flags.json);
    const created = await createBackup(target.url, {
        dir: config.dir,
        environment: config.environment,
        format: flags.format,
        contents: flags.schemaOnly ? "schema-only" : flags.dataOnly ? "data-only" : "full",
        ...(flags.table && { tables: flags.table }),
        ...(progress.listener && { onProgress: progress.listener }),
      }).finally(() => progress.clear());
    const { manifest } = created;
    if (flags.json) {
      printJson(ctx, { path: created.path, manifestPath: created.manifestPath, manifest });
      return EXIT.ok;
    }
    const rows = manifest.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
    ctx.stdout(`Backup created: ${displayPath(ctx, created.path)}`);
    ctx.stdout(
      `  ${manifest.format} format, ${manifest.include.contents}${manifest.include.tables ? ` (tables ${manifest.include.tables.join(", ")})` : ""}, ` +
        `${formatBytes(manifest.sizeBytes)}, ${plural(manifest.tables.length, "table")}` +
        `${manifest.include.contents === "schema-only" ? "" : `, ${plural(rows, "row")}`}, ${(manifest.durationMs / 1000).toFixed(1)}s`,
    );
    ctx.stdout(`  pg_dump ${manifest.pgDumpVersion}, server ${manifest.serverVersion}`);
    ctx.stdout(`  manifest: ${displayPath(ctx, created.manifestPath)}`);
    ctx.stdout(`Prove it restorable with: dbctl backup verify ${displayPath(ctx, created.path)}`);
    return EXIT.ok;
  },
});
