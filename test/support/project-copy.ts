import { chmodSync, cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../cli/run-dbctl.ts";

/**
 * A working copy of the project for tests that run it as a user would, in its own directory:
 * `npm start` there keeps its data in the copy's .data/, a `.env` there is the copy's, and
 * `dbctl migrate new` or `migrate reset --yes` change the copy, never the repository. The
 * dependencies are the repository's own (a symlink), so nothing is installed.
 */
const FILES = ["package.json", "tsconfig.json", "prisma.config.ts", "README.md"];
const FOLDERS = ["bin", "src", "prisma", "migrations-rollback"];

export function copyProject(into: string): string {
  mkdirSync(into, { recursive: true });
  // PostgreSQL runs as the postgres user (we are root) and must be able to enter the folder.
  chmodSync(into, 0o755);
  for (const file of FILES) cpSync(join(REPO_ROOT, file), join(into, file));
  for (const folder of FOLDERS) cpSync(join(REPO_ROOT, folder), join(into, folder), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(into, "node_modules"), "dir");
  return into;
}
