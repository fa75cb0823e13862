import { execFileSync } from "node:child_process";
import { basename, dirname } from "node:path";
import type { MigrationRow } from "../history.ts";
import { computeStatus } from "../status.ts";
import type { MigrationFile } from "../files.ts";

/**
 * Which migration files changed after they were applied. With a database, the truth is its
 * `_prisma_migrations` checksums; without one, git history stands in for it: a migration is
 * applied somewhere once it is committed, so any later change to it is an edit.
 */

/** Applied migrations whose file's checksum differs from the one the database recorded. */
export function modifiedFromHistory(files: MigrationFile[], history: MigrationRow[]): Map<string, string> {
  const modified = new Map<string, string>();
  for (const m of computeStatus(files, history).modified) {
    modified.set(m.name, `_prisma_migrations records checksum ${m.appliedChecksum.slice(0, 12)}, the file's is now ${m.fileChecksum.slice(0, 12)}.`);
  }
  return modified;
}

export interface GitVerdict {
  /** False when the file is not in a git work tree (or git is missing): nothing can be said. */
  known: boolean;
  /** Set when the file changed after its first commit: how. */
  modified?: string;
}

/**
 * What git says about one migration.sql: committed more than once, or changed in the work tree
 * since it was committed, means it was edited. A file git does not track yet is new: fine.
 */
export function gitVerdict(path: string): GitVerdict {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dirname(path), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  try {
    git("rev-parse", "--is-inside-work-tree");
  } catch {
    return { known: false };
  }
  let log: string;
  try {
    log = git("log", "--format=%h %cs", "--", basename(path));
  } catch {
    // A repository with no commit yet: nothing in it was ever committed, let alone applied.
    return { known: true };
  }
  const commits = log.split("\n").filter(Boolean);
  const firstCommit = commits[commits.length - 1];
  if (!firstCommit) return { known: true };
  if (commits.length > 1) {
    const later = commits.slice(0, -1).reverse();
    return {
      known: true,
      modified: `git shows ${later.length} commit${later.length === 1 ? "" : "s"} changing it (${later.join(", ")}) after it was first committed (${firstCommit}).`,
    };
  }
  try {
    git("diff", "--quiet", "HEAD", "--", basename(path));
  } catch {
    // --quiet exits 1 when the work tree differs from the last commit.
    return { known: true, modified: `it has uncommitted changes since it was committed (${firstCommit}).` };
  }
  return { known: true };
}

/** gitVerdict for each migration, as the map lintMigrations takes; also says how many git could judge. */
export function modifiedFromGit(files: readonly { name: string; path: string }[]): { modified: Map<string, string>; judged: number } {
  const modified = new Map<string, string>();
  let judged = 0;
  for (const file of files) {
    const verdict = gitVerdict(file.path);
    if (verdict.known) judged++;
    if (verdict.modified) modified.set(file.name, verdict.modified);
  }
  return { modified, judged };
}
