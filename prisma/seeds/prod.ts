import { z } from "zod";
import { hashPassword } from "../../src/auth/crypto.ts";
import { seedId } from "./shared/ids.ts";
import { NO_ROWS, SeedError, type Db, type SeedCounts, type SeedOptions } from "./shared/types.ts";

/**
 * Production gets one thing: the first admin account, from SEED_ADMIN_EMAIL and
 * SEED_ADMIN_PASSWORD. No demo users, no sample content. Running it again changes nothing but
 * the role (an existing account with that email is made ADMIN; its password is left alone).
 */
const adminSchema = z.object({
  email: z.email().transform((v) => v.toLowerCase()),
  password: z.string().min(12),
});

export async function seed(db: Db, options: SeedOptions): Promise<SeedCounts> {
  if (!options.adminEmail || !options.adminPassword) {
    throw new SeedError("The prod seed needs SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD (at least 12 characters); set both and run it again.");
  }
  const parsed = adminSchema.safeParse({ email: options.adminEmail, password: options.adminPassword });
  if (!parsed.success) {
    throw new SeedError("SEED_ADMIN_EMAIL must be an email address and SEED_ADMIN_PASSWORD at least 12 characters long.");
  }
  const { email, password } = parsed.data;

  const existing = await db.user.findUnique({ where: { email }, select: { id: true, role: true } });
  if (existing) {
    if (existing.role !== "ADMIN") await db.user.update({ where: { id: existing.id }, data: { role: "ADMIN" } });
    options.log?.(`prod seed: ${email} already exists${existing.role === "ADMIN" ? "" : ", now an ADMIN"}; its password is unchanged.`);
    return { ...NO_ROWS };
  }
  await db.user.create({
    data: { id: seedId("prod", "user", email), email, name: "Admin", role: "ADMIN", passwordHash: await hashPassword(password, options.iterations) },
  });
  options.log?.(`prod seed: created the admin ${email}.`);
  return { ...NO_ROWS, users: 1 };
}
