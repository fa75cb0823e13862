import { createHash } from "node:crypto";

/** How the rename recipes spell SQL names and migration names. */

/** A double-quoted SQL identifier. */
export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** PostgreSQL keeps the first 63 bytes of a name; a longer one is cut and given a short hash so two never collide. */
export function pgName(name: string): string {
  if (Buffer.byteLength(name, "utf8") <= 63) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  let cut = name;
  while (Buffer.byteLength(`${cut}_${hash}`, "utf8") > 63) cut = cut.slice(0, -1);
  return `${cut}_${hash}`;
}

/** The first of `name`, `name_2`, `name_3`, ... that `taken` does not hold. */
export function freeName(name: string, taken: ReadonlySet<string>): string {
  let candidate = pgName(name);
  for (let n = 2; taken.has(candidate); n++) candidate = pgName(`${name}_${n}`);
  return candidate;
}

/** `userId` -> `user_id`, `ErrorLog` -> `error_log`: a name's words for a migration folder name. */
export function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** A migration folder name from words: snake_case, starting with a letter, at most 80 characters. */
export function migrationName(...words: string[]): string {
  const name = words.map(snake).filter(Boolean).join("_").replace(/^[^a-z]+/, "");
  return name.length <= 80 ? name : name.slice(0, 80).replace(/_+$/, "");
}

/**
 * An index's name with the old column's word replaced by the new one, as Prisma names indexes
 * (`Note_title_idx` -> `Note_heading_idx`); `<index>_<new>` when the column is not in it.
 */
export function renamedIndexName(index: string, column: string, to: string): string {
  const parts = index.split("_");
  const replaced = parts.map((p) => (p === column ? to : p));
  return replaced.some((p, i) => p !== parts[i]) ? replaced.join("_") : `${index}_${to}`;
}
