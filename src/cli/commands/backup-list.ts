import { basename } from "node:path";
import { listBackups, type ListedBackup } from "../../ops/backup/list.ts";
import type { Manifest } from "../../ops/backup/manifest.ts";
import { defineCommand, EXIT } from "../command.ts";
import { backupConfig, backupDirFlag } from "../backup-config.ts";
import { jsonFlag } from "../flags.ts";
import { displayPath, formatAge, formatBytes, printJson } from "../output.ts";

export const backupList = defineCommand({
  path: ["backup", "list"],
  summary: "List the backups in BACKUP_DIR, newest first, with age and verification state.",
  details: [
    "Reads each <file>.manifest.json (checked against the manifest schema). Dumps without a",
    "manifest (pre-migration dumps, copies, interrupted dumps) are listed as unmanaged; nothing",
    "vouches for them. Needs no database.",
    "",
    "Exit codes: 0 listed (also when there are none), 1 an error, 2 bad usage.",
  ],
  flags: { backupDir: backupDirFlag, json: jsonFlag },
  async run(flags, ctx) {
    const config = backupConfig(ctx, flags.backupDir);
    const now = new Date();
    const entries = listBackups(config.dir, now);
    if (flags.json) {
      printJson(ctx, { dir: config.dir, now: now.toISOString(), backups: entries.map(toJson) });
      return EXIT.ok;
    }
    if (entries.length === 0) {
      ctx.stdout(`No backups in ${displayPath(ctx, config.dir)}; create one with \`dbctl backup create\`.`);
      return EXIT.ok;
    }
    ctx.stdout(`Backups in ${displayPath(ctx, config.dir)} (newest first):`);
    const rows = entries.map(toRow);
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    for (const row of rows) ctx.stdout(`  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}`.trimEnd());
    return EXIT.ok;
  },
});

const fileName = (path: string) => basename(path);

function toRow(entry: ListedBackup): string[] {
  switch (entry.kind) {
    case "managed": {
      const m = entry.manifest;
      const what = `${m.format} ${m.include.contents}${m.include.tables ? ` (${m.include.tables.join(", ")})` : ""}${m.purpose === "pre-restore" ? ", safety copy" : ""}`;
      return [fileName(entry.path), m.createdAt.slice(0, 16).replace("T", " ") + " UTC", formatAge(entry.ageMs), what, formatBytes(m.sizeBytes), entry.fileMissing ? "FILE MISSING" : state(m.verification)];
    }
    case "unmanaged":
      return [fileName(entry.path), entry.modifiedAt.slice(0, 16).replace("T", " ") + " UTC", formatAge(entry.ageMs), "no manifest", formatBytes(entry.sizeBytes), "unmanaged"];
    case "invalid-manifest":
      return [fileName(entry.path), "-", "-", "-", "-", `invalid manifest: ${entry.problem}`];
  }
}

function state(v: Manifest["verification"]): string {
  if (v.state === "unverified") return "unverified";
  if (v.state === "verified") return `verified ${v.at.slice(0, 10)}`;
  return `FAILED verification ${v.at.slice(0, 10)}: ${v.reason}`;
}

function toJson(entry: ListedBackup) {
  switch (entry.kind) {
    case "managed": {
      const m = entry.manifest;
      return {
        file: fileName(entry.path),
        path: entry.path,
        managed: true,
        fileMissing: entry.fileMissing,
        createdAt: m.createdAt,
        ageSeconds: Math.floor(entry.ageMs / 1000),
        environment: m.environment,
        purpose: m.purpose,
        format: m.format,
        include: m.include,
        sizeBytes: m.sizeBytes,
        verification: m.verification,
      };
    }
    case "unmanaged":
      return { file: fileName(entry.path), path: entry.path, managed: false, modifiedAt: entry.modifiedAt, ageSeconds: Math.floor(entry.ageMs / 1000), sizeBytes: entry.sizeBytes };
    case "invalid-manifest":
      return { file: fileName(entry.path), path: entry.path, managed: false, problem: entry.problem };
  }
}
