import type { Command } from "./command.ts";
import { migrateDeploy } from "./commands/migrate-deploy.ts";
import { migrateLint } from "./commands/migrate-lint.ts";
import { migrateStatus } from "./commands/migrate-status.ts";
import { maintenanceOff, maintenanceOn, maintenanceStatus } from "./commands/maintenance.ts";
import { migrateNew } from "./commands/migrate-new.ts";
import { migrateReset } from "./commands/migrate-reset.ts";
import { migrateRollback } from "./commands/migrate-rollback.ts";
import { migrateVerify } from "./commands/migrate-verify.ts";
import { migrateTrace } from "./commands/migrate-trace.ts";
import { migrateRehearse } from "./commands/migrate-rehearse.ts";
import { recoveryBranch } from "./commands/recovery-branch.ts";
import { recoveryDelete } from "./commands/recovery-delete.ts";
import { recoveryDrillCommand } from "./commands/recovery-drill.ts";
import { recoveryPromote } from "./commands/recovery-promote.ts";
import { recoveryPrune } from "./commands/recovery-prune.ts";
import { recoveryVerify } from "./commands/recovery-verify.ts";
import { recoveryWindow } from "./commands/recovery-window.ts";
import { backupCreate } from "./commands/backup-create.ts";
import { backupList } from "./commands/backup-list.ts";
import { backupVerify } from "./commands/backup-verify.ts";
import { backupPrune } from "./commands/backup-prune.ts";
import { backupRestore } from "./commands/backup-restore.ts";
import { dbConnections } from "./commands/db-connections.ts";
import { dbSlowQueries } from "./commands/db-slow-queries.ts";
import { jobsHistory } from "./commands/jobs-history.ts";
import { jobsList } from "./commands/jobs-list.ts";
import { jobsRun } from "./commands/jobs-run.ts";
import { previewCreate } from "./commands/preview-create.ts";
import { previewDelete } from "./commands/preview-delete.ts";
import { previewList } from "./commands/preview-list.ts";
import { previewPrune } from "./commands/preview-prune.ts";
import { doctor } from "./commands/doctor.ts";

/**
 * Every dbctl command, and the groups that hold them. Adding `migrate rollback`, `backup create`
 * or `doctor` is one file in commands/ and one entry here (plus its group's line, for a new group).
 */
export const COMMANDS: readonly Command[] = [migrateDeploy, migrateStatus, migrateLint, migrateRollback, migrateVerify, migrateTrace, migrateRehearse, migrateNew, migrateReset, maintenanceOn, maintenanceOff, maintenanceStatus, backupCreate, backupList, backupVerify, backupPrune, backupRestore, recoveryWindow, recoveryBranch, recoveryVerify, recoveryPromote, recoveryDrillCommand, recoveryDelete, recoveryPrune, dbConnections, dbSlowQueries, jobsList, jobsRun, jobsHistory, previewCreate, previewList, previewDelete, previewPrune, doctor];

export const GROUPS: Readonly<Record<string, string>> = {
  backup: "pg_dump backups with manifests: create, list, verify (scratch restore), prune by retention, restore.",
  maintenance: "The disaster recovery plan's switch: pause API writes while reads keep working.",
  recovery: "Point-in-time recovery (Neon branches, or WAL archive + base backups self-hosted): window, branch, verify, promote, drill, delete, prune.",
  migrate: "Apply and inspect schema migrations (Prisma Migrate folders, same _prisma_migrations history).",
  db: "The database guide's reports: connections by state (pg_stat_activity), slowest statements (pg_stat_statements).",
  preview: "Preview databases per git branch (preview/<branch>, migrated, expiring): create, list, delete, prune.",
  jobs: "The scheduled jobs (retention, PITR and backup checks, drills, backups, prunes): list, run one now, history.",
};

export type Resolved =
  | { kind: "root"; rest: string[] }
  | { kind: "group"; group: string; rest: string[] }
  | { kind: "command"; command: Command; rest: string[] }
  | { kind: "unknown"; words: string[] };

/** Reads the leading words of argv as a command path; what follows are the command's flags. */
export function resolveCommand(argv: readonly string[]): Resolved {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith("-")) break;
    words.push(arg);
  }
  if (words.length === 0) return { kind: "root", rest: [...argv] };
  // The longest command path that starts argv; extra words are left for the flag parser to reject.
  const command = COMMANDS.filter((c) => c.path.every((w, i) => w === words[i])).sort((a, b) => b.path.length - a.path.length)[0];
  if (command) return { kind: "command", command, rest: argv.slice(command.path.length) };
  const group = words[0] as string;
  if (words.length === 1 && Object.hasOwn(GROUPS, group)) return { kind: "group", group, rest: argv.slice(1) };
  return { kind: "unknown", words };
}

export const commandsIn = (group: string) => COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === group);
