import { createHash, randomBytes } from "node:crypto";
import { readMigrations } from "../src/ops/migrations/files.ts";
import { deployMigrations } from "../src/ops/migrations/deploy.ts";
import type { EmbeddedServer } from "../src/ops/embedded/postgres.ts";
import { quoteIdent, withConnection, type SqlClient } from "../src/ops/sql.ts";

/**
 * The benchmark's data set, loaded in a few set-based statements (generate_series), never row by
 * row: users each with their projects, notes (some pinned, some in the trash) and a live session,
 * and performance metrics all past the retention cutoff, for the cleanup to delete.
 */
export interface Sizes {
  users: number;
  projectsPerUser: number;
  notesPerUser: number;
  metrics: number;
}

export const FULL: Sizes = { users: 1_000, projectsPerUser: 10, notesPerUser: 200, metrics: 1_000_000 };
export const QUICK: Sizes = { users: 200, projectsPerUser: 10, notesPerUser: 100, metrics: 100_000 };

export interface Dataset {
  /** The migrated, loaded database. */
  url: string;
  database: string;
  sizes: Sizes;
  /** Per user, in order: its id and its live session's bearer token. */
  users: { id: string; token: string }[];
  /** How long the load took, in ms (migrations included). */
  loadMs: number;
}

/** Metrics are this many days old and older: past any retention cutoff the guide's settings allow (RETENTION_METRIC_DAYS ≤ 30 by default). */
export const METRIC_MIN_AGE_DAYS = 31;

const userId = (i: number) => `bench-user-${i}`;

export async function loadDataset(server: EmbeddedServer, database: string, sizes: Sizes): Promise<Dataset> {
  const began = performance.now();
  await withConnection(server.url("postgres"), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  });
  const url = server.url(database);
  const users = Array.from({ length: sizes.users }, (_, i) => ({ id: userId(i), token: randomBytes(32).toString("base64url") }));
  await withConnection(url, async (db) => {
    await deployMigrations(db, readMigrations("prisma/migrations"));
    await loadRows(db, sizes, users);
    await loadMetrics(db, sizes.metrics);
    await db.query("VACUUM (ANALYZE)");
  });
  return { url, database, sizes, users, loadMs: performance.now() - began };
}

async function loadRows(db: SqlClient, sizes: Sizes, users: Dataset["users"]): Promise<void> {
  await db.query(
    `INSERT INTO "User" (id, email, name, "passwordHash", role, "createdAt", "updatedAt")
     SELECT 'bench-user-' || i, 'bench-' || i || '@example.com', 'Bench user ' || i, 'pbkdf2_sha256$100000$unused$unused', 'USER',
            now() - interval '200 days', now() - interval '200 days'
     FROM generate_series(0, $1::int - 1) AS i`,
    [sizes.users],
  );
  await db.query(
    `INSERT INTO "Session" (id, "userId", "tokenHash", "expiresAt", "createdAt")
     SELECT 'bench-session-' || ord, u, h, now() + interval '30 days', now()
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(u, h, ord)`,
    [users.map((u) => u.id), users.map((u) => createHash("sha256").update(u.token).digest("hex"))],
  );
  await db.query(
    `INSERT INTO "Project" (id, "userId", name, description, status, "deletedAt", "createdAt", "updatedAt")
     SELECT 'bench-project-' || u || '-' || p, 'bench-user-' || u, 'Project ' || p || ' of user ' || u, 'A project for the benchmark',
            (CASE WHEN p % 5 = 4 THEN 'ARCHIVED' ELSE 'ACTIVE' END)::"ProjectStatus",
            CASE WHEN p = $2::int - 1 THEN now() - interval '3 days' END,
            now() - (p || ' days')::interval, now() - (p || ' days')::interval
     FROM generate_series(0, $1::int - 1) AS u, generate_series(0, $2::int - 1) AS p`,
    [sizes.users, sizes.projectsPerUser],
  );
  // Notes: one in 10 pinned, one in 20 in the trash, most in a project; spread over 90 days.
  await db.query(
    `INSERT INTO "Note" (id, "userId", "projectId", title, content, pinned, "deletedAt", "createdAt", "updatedAt")
     SELECT 'bench-note-' || u || '-' || n, 'bench-user-' || u,
            CASE WHEN n % 7 = 0 THEN NULL ELSE 'bench-project-' || u || '-' || (n % $2::int) END,
            'Note ' || n || ' of user ' || u,
            repeat('Some words of a note in the benchmark data set. ', 4),
            n % 10 = 0,
            CASE WHEN n % 20 = 19 THEN now() - interval '2 days' END,
            now() - ((n * 90.0 / $3::int) || ' days')::interval - (u || ' seconds')::interval,
            now() - ((n * 90.0 / $3::int) || ' days')::interval
     FROM generate_series(0, $1::int - 1) AS u, generate_series(0, $3::int - 1) AS n`,
    [sizes.users, sizes.projectsPerUser, sizes.notesPerUser],
  );
}

/** `count` metric rows, every one past the retention cutoff: what the cleanup benchmark deletes. */
export async function loadMetrics(db: SqlClient, count: number): Promise<void> {
  await db.query(
    `INSERT INTO "PerformanceMetric" (id, "timestamp", route, method, status, "durationMs")
     SELECT 'bench-metric-' || i, now() - interval '${METRIC_MIN_AGE_DAYS} days' - (i % 5000000 || ' seconds')::interval,
            (ARRAY['/api/v1/notes', '/api/v1/notes/:id', '/api/v1/projects', '/api/v1/auth/me'])[1 + i % 4],
            (ARRAY['GET', 'GET', 'POST', 'PATCH'])[1 + i % 4], 200, (i % 97) / 3.0
     FROM generate_series(0, $1::int - 1) AS i`,
    [count],
  );
}
