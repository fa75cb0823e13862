/**
 * Text PostgreSQL cannot store, found before it reaches the database. PostgreSQL refuses U+0000
 * in `text` (SQLSTATE 22021), and a lone UTF-16 surrogate has no UTF-8 form, so the driver would
 * silently store U+FFFD in its place: the one refuses the request late, the other changes the
 * user's data. Every validated input (body, query, path, headers) and every decoded cursor goes
 * through `findUnstorable`, so no route can forget it.
 */
export interface UnstorableText {
  path: string;
  message: string;
  code: "unstorable_text";
}

const NUL = "\u0000";

function problemOf(text: string): string | undefined {
  if (text.includes(NUL)) return "Must not contain the NUL character (U+0000)";
  if (!text.isWellFormed()) return "Must be valid Unicode (it holds a lone surrogate)";
  return undefined;
}

/** Every string (and object key) in `value` that PostgreSQL cannot store, with its path. */
export function findUnstorable(value: unknown, path: (string | number)[] = []): UnstorableText[] {
  if (typeof value === "string") {
    const message = problemOf(value);
    return message ? [{ path: path.join("."), message, code: "unstorable_text" }] : [];
  }
  if (typeof value !== "object" || value === null || value instanceof Date) return [];
  const found: UnstorableText[] = [];
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const keyProblem = typeof key === "string" ? problemOf(key) : undefined;
    if (keyProblem) found.push({ path: [...path, "(key)"].join("."), message: keyProblem, code: "unstorable_text" });
    found.push(...findUnstorable(item, [...path, key]));
  }
  return found;
}
