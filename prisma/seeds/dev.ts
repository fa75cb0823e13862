import { describeCounts, insertWorkspace } from "./shared/insert.ts";
import type { Db, SeedCounts, SeedOptions } from "./shared/types.ts";
import { ensureUsers, type SeedUser } from "./shared/users.ts";
import { buildWorkspace } from "./shared/workspace.ts";

/**
 * Development data: enough of everything for every screen and job to have something to show.
 * The passwords below are public on purpose; the dev seed must never run against production.
 */
export const DEMO_LOGIN = Object.freeze({ email: "demo@example.com", password: "demo-password-123" });
export const ADMIN_LOGIN = Object.freeze({ email: "admin@example.com", password: "admin-password-123" });
const TEAM_PASSWORD = "team-password-123";

const TEAM = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

export const DEV_USERS: readonly SeedUser[] = [
  { email: DEMO_LOGIN.email, name: "Demo User", role: "USER", password: DEMO_LOGIN.password },
  { email: ADMIN_LOGIN.email, name: "Admin", role: "ADMIN", password: ADMIN_LOGIN.password },
  ...TEAM.map((name): SeedUser => ({ email: `${name}@example.com`, name: name[0]?.toUpperCase() + name.slice(1), role: "USER", password: TEAM_PASSWORD })),
];

export const DEV_SIZE = { projectsPerUser: 3, notes: 320, errorLogs: 80, performanceMetrics: 600, historyDays: 180 } as const;

export async function seed(db: Db, options: SeedOptions): Promise<SeedCounts> {
  const now = options.now ?? new Date();
  const users = await ensureUsers(db, "dev", DEV_USERS, options.iterations);
  const owners = DEV_USERS.map((u) => ({
    id: users.ids.get(u.email) as string,
    // The demo account holds about a quarter of the notes, so its first login shows a full list.
    weight: u.email === DEMO_LOGIN.email ? 3 : 1,
  }));
  const content = await insertWorkspace(db, buildWorkspace("dev", owners, DEV_SIZE, now));
  const counts = { users: users.created, ...content };
  options.log?.(describeCounts("dev", counts));
  return counts;
}
