import { ADMIN_LOGIN, DEMO_LOGIN } from "./dev.ts";
import { describeCounts, insertWorkspace } from "./shared/insert.ts";
import type { Db, SeedCounts, SeedOptions } from "./shared/types.ts";
import { ensureUsers, type SeedUser } from "./shared/users.ts";
import { buildWorkspace } from "./shared/workspace.ts";

/**
 * Staging data: a moderate amount, enough to click through a release before it ships. The admin
 * comes from SEED_ADMIN_EMAIL / SEED_ADMIN_PASSWORD when set, since a staging site is often
 * reachable from the internet; otherwise it falls back to the public dev admin, with a warning.
 */
export const STAGING_SIZE = { projectsPerUser: 2, notes: 60, errorLogs: 20, performanceMetrics: 150, historyDays: 60 } as const;

export async function seed(db: Db, options: SeedOptions): Promise<SeedCounts> {
  const now = options.now ?? new Date();
  const admin = options.adminEmail && options.adminPassword ? { email: options.adminEmail, password: options.adminPassword } : ADMIN_LOGIN;
  if (admin === ADMIN_LOGIN) {
    options.log?.("warning: staging admin uses the public dev password; set SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD.");
  }
  const people: SeedUser[] = [
    { email: admin.email, name: "Staging Admin", role: "ADMIN", password: admin.password },
    { email: DEMO_LOGIN.email, name: "Demo User", role: "USER", password: DEMO_LOGIN.password },
    { email: "qa1@example.com", name: "QA One", role: "USER", password: DEMO_LOGIN.password },
    { email: "qa2@example.com", name: "QA Two", role: "USER", password: DEMO_LOGIN.password },
  ];
  const users = await ensureUsers(db, "staging", people, options.iterations);
  const owners = people.map((u) => ({ id: users.ids.get(u.email.toLowerCase()) as string, weight: 1 }));
  const content = await insertWorkspace(db, buildWorkspace("staging", owners, STAGING_SIZE, now));
  const counts = { users: users.created, ...content };
  options.log?.(describeCounts("staging", counts));
  return counts;
}
