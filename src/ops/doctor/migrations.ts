import { readMigrations, type MigrationFile } from "../migrations/files.ts";
import { readHistory, type MigrationRow } from "../migrations/history.ts";
import { modifiedFromHistory } from "../migrations/lint/modified.ts";
import { missingRollbacks } from "../migrations/rollback-files.ts";
import { computeStatus, type MigrationStatus } from "../migrations/status.ts";
import { fail, pass, type DoctorCheck } from "./check.ts";
import type { DoctorFacts } from "./facts.ts";

/**
 * The guide's Migrations and Rollback Strategy as checks: nothing pending or failed against the
 * database, no applied file edited since (its checksum in _prisma_migrations), and a rollback
 * script beside every migration. The folder and the history are read once for all four.
 */

const files = new WeakMap<DoctorFacts, MigrationFile[]>();
const histories = new WeakMap<DoctorFacts, Promise<MigrationRow[]>>();

function migrationFiles(facts: DoctorFacts): MigrationFile[] {
  let found = files.get(facts);
  if (!found) {
    found = readMigrations(facts.migrationsDir);
    files.set(facts, found);
  }
  return found;
}

async function status(facts: DoctorFacts): Promise<{ status: MigrationStatus; history: MigrationRow[]; files: MigrationFile[] }> {
  let history = histories.get(facts);
  if (!history) {
    history = facts.db().then(readHistory);
    histories.set(facts, history);
  }
  const all = migrationFiles(facts);
  const rows = await history;
  return { status: computeStatus(all, rows), history: rows, files: all };
}

const list = (names: readonly string[]) => (names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", "));

const nonePending: DoctorCheck<DoctorFacts> = {
  group: "migrations",
  name: "none pending",
  async run(facts) {
    const { status: s } = await status(facts);
    if (s.pending.length) return fail(`${s.pending.length} migration(s) not applied (${list(s.pending)}): run \`dbctl migrate deploy\`.`, { pending: s.pending });
    if (s.missingLocally.length) {
      return fail(`the database has migration(s) this folder lacks (${list(s.missingLocally)}): deploy from the branch that has them.`, { missingLocally: s.missingLocally });
    }
    return pass(`all ${s.applied.length} migrations are applied.`, { applied: s.applied.length });
  },
};

const noneFailed: DoctorCheck<DoctorFacts> = {
  group: "migrations",
  name: "none failed",
  async run(facts) {
    const { status: s } = await status(facts);
    if (s.failed.length === 0) return pass("no migration is left failed.");
    const names = s.failed.map((m) => m.name);
    return fail(`${list(names)} failed and blocks every deploy: fix the database, then \`prisma migrate resolve --rolled-back <name>\` (or --applied).`, { failed: names });
  },
};

const noneEdited: DoctorCheck<DoctorFacts> = {
  group: "migrations",
  name: "no applied file edited",
  async run(facts) {
    const { files: all, history } = await status(facts);
    const edited = modifiedFromHistory(all, history);
    if (edited.size === 0) return pass("every applied migration.sql matches the checksum the database recorded.");
    const names = [...edited.keys()];
    return fail(`${list(names)} changed after being applied (the database ran the old version): restore the file and add a new migration instead.`, { edited: names });
  },
};

const rollbackScripts: DoctorCheck<DoctorFacts> = {
  group: "migrations",
  name: "rollback scripts",
  run(facts) {
    const all = migrationFiles(facts);
    const missing = missingRollbacks(facts.rollbackDir, all.map((m) => m.name));
    if (missing.length === 0) return pass(`each of the ${all.length} migrations has its rollback.sql.`, { migrations: all.length });
    return fail(`${missing.length} migration(s) have no rollback script (${list(missing)}): write <rollback dir>/<migration>/rollback.sql.`, { missing });
  },
};

export const MIGRATION_CHECKS = [nonePending, noneFailed, noneEdited, rollbackScripts];
