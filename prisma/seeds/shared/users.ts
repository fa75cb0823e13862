import { hashPassword } from "../../../src/auth/crypto.ts";
import type { Role } from "../../../src/generated/prisma/enums.ts";
import { seedId } from "./ids.ts";
import type { Db } from "./types.ts";

export interface SeedUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

/**
 * Creates the users that do not exist yet and returns every user's id by email. An existing
 * account (seeded before, or registered by hand) is left exactly as it is, password included.
 * Every user gets a hash of their own (own salt), as a signup would, even where seeded users
 * share a password: identical hashes would tell a reader of the table who shares one.
 */
export async function ensureUsers(db: Db, kind: string, users: readonly SeedUser[], iterations: number): Promise<{ ids: Map<string, string>; created: number }> {
  const emails = users.map((u) => u.email.toLowerCase());
  const existing = new Set((await db.user.findMany({ where: { email: { in: emails } }, select: { email: true } })).map((u) => u.email));
  const missing = users.filter((u) => !existing.has(u.email.toLowerCase()));

  const hashes = await Promise.all(missing.map((u) => hashPassword(u.password, iterations)));

  const { count } = await db.user.createMany({
    data: missing.map((u, i) => ({
      id: seedId(kind, "user", u.email.toLowerCase()),
      email: u.email.toLowerCase(),
      name: u.name,
      role: u.role,
      passwordHash: hashes[i] as string,
    })),
    skipDuplicates: true,
  });

  const rows = await db.user.findMany({ where: { email: { in: emails } }, select: { id: true, email: true } });
  return { ids: new Map(rows.map((row) => [row.email, row.id])), created: count };
}
