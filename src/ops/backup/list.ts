import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { MANIFEST_SUFFIX, parseManifest, type Manifest } from "./manifest.ts";

/** One backup in the folder: its manifest, or why there is none to trust. */
export type ListedBackup =
  | { kind: "managed"; path: string; manifest: Manifest; ageMs: number; fileMissing: boolean }
  | { kind: "invalid-manifest"; path: string; problem: string }
  | { kind: "unmanaged"; path: string; sizeBytes: number; modifiedAt: string; ageMs: number };

const DUMP_FILE = /\.(dump|sql)$/;

/**
 * The backups in a folder, newest first. Managed ones have a manifest; dumps without one (a
 * pre-migration dump, a copy from elsewhere, a dump that was interrupted) are listed apart, by
 * file time, because nothing vouches for them.
 */
export function listBackups(dir: string, now: Date = new Date()): ListedBackup[] {
  const folder = resolve(dir);
  if (!existsSync(folder)) return [];
  const names = readdirSync(folder);
  const present = new Set(names);
  const managed: ListedBackup[] = [];
  const others: ListedBackup[] = [];
  for (const name of names) {
    if (name.endsWith(MANIFEST_SUFFIX)) {
      const backup = name.slice(0, -MANIFEST_SUFFIX.length);
      const path = join(folder, backup);
      try {
        const manifest = parseManifest(readFileSync(join(folder, name), "utf8"), name);
        managed.push({ kind: "managed", path, manifest, ageMs: now.getTime() - Date.parse(manifest.createdAt), fileMissing: !present.has(backup) });
      } catch (error) {
        others.push({ kind: "invalid-manifest", path, problem: (error as Error).message });
      }
    } else if (DUMP_FILE.test(name) && !present.has(`${name}${MANIFEST_SUFFIX}`)) {
      const stat = statSync(join(folder, name));
      if (!stat.isFile()) continue;
      others.push({ kind: "unmanaged", path: join(folder, name), sizeBytes: stat.size, modifiedAt: stat.mtime.toISOString(), ageMs: now.getTime() - stat.mtimeMs });
    }
  }
  return [...managed, ...others].sort((a, b) => time(b) - time(a) || b.path.localeCompare(a.path));
}

function time(entry: ListedBackup): number {
  if (entry.kind === "managed") return Date.parse(entry.manifest.createdAt);
  if (entry.kind === "unmanaged") return Date.parse(entry.modifiedAt);
  return 0;
}
