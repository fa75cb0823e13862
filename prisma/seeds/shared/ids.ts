import { createHash } from "node:crypto";

/**
 * Deterministic row ids, so a second run of a seed finds its rows already there and
 * `createMany({ skipDuplicates: true })` inserts nothing. They are shaped like the cuids Prisma
 * generates (a "c" and 24 lower-case characters) so anything validating ids accepts them.
 */
export function seedId(...parts: (string | number)[]): string {
  return `c${createHash("sha256").update(`seed:${parts.join(":")}`).digest("hex").slice(0, 24)}`;
}
