import { withConnection, type Connection } from "../../src/ops/sql.ts";
import { figure, type Figure } from "../figures.ts";
import { startNodeServer, startRawServer, type ServerProcess } from "../servers/server-process.ts";
import type { BenchContext, Suite } from "../suite.ts";

/**
 * Item 4: the SQL statements each endpoint sends, counted by PostgreSQL itself
 * (pg_stat_statements, utility statements such as BEGIN and COMMIT included), one request at a
 * time against our Node server; the floor's three endpoints beside theirs. Request metrics are
 * off here: they are written later, in batches (one INSERT per batch), and would blur the count.
 * The goal is at most 2 statements per authenticated request.
 */
interface Call {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  /** The route pattern the figure is named by. */
  route: string;
  token?: string;
  body?: unknown;
  expect: number;
}

type State = Record<string, string>;

/** Every endpoint of the API, in an order that makes each one's ids exist; state carries them along. */
const FLOW: ((s: State) => Call)[] = [
  () => ({ method: "GET", path: "/health", route: "/health", expect: 200 }),
  () => ({ method: "GET", path: "/health/ready", route: "/health/ready", expect: 200 }),
  (s) => ({ method: "POST", path: "/api/v1/auth/signup", route: "/api/v1/auth/signup", body: { email: s.email, password: "bench-password-1" }, expect: 201 }),
  (s) => ({ method: "POST", path: "/api/v1/auth/login", route: "/api/v1/auth/login", body: { email: s.email, password: "bench-password-1" }, expect: 200 }),
  (s) => ({ method: "GET", path: "/api/v1/auth/me", route: "/api/v1/auth/me", token: s.token, expect: 200 }),
  (s) => ({ method: "POST", path: "/api/v1/projects", route: "/api/v1/projects", token: s.token, body: { name: "Counted" }, expect: 201 }),
  (s) => ({ method: "GET", path: "/api/v1/projects", route: "/api/v1/projects", token: s.token, expect: 200 }),
  (s) => ({ method: "GET", path: `/api/v1/projects/${s.project}`, route: "/api/v1/projects/:id", token: s.token, expect: 200 }),
  (s) => ({ method: "PATCH", path: `/api/v1/projects/${s.project}`, route: "/api/v1/projects/:id", token: s.token, body: { name: "Renamed" }, expect: 200 }),
  (s) => ({ method: "POST", path: "/api/v1/notes", route: "/api/v1/notes", token: s.token, body: { title: "Counted", projectId: s.project }, expect: 201 }),
  (s) => ({ method: "GET", path: "/api/v1/notes?limit=50", route: "/api/v1/notes", token: s.token, expect: 200 }),
  (s) => ({ method: "GET", path: `/api/v1/notes/${s.note}`, route: "/api/v1/notes/:id", token: s.token, expect: 200 }),
  (s) => ({ method: "PATCH", path: `/api/v1/notes/${s.note}`, route: "/api/v1/notes/:id", token: s.token, body: { pinned: true }, expect: 200 }),
  (s) => ({ method: "DELETE", path: `/api/v1/notes/${s.note}`, route: "/api/v1/notes/:id", token: s.token, expect: 204 }),
  (s) => ({ method: "GET", path: "/api/v1/notes/trash", route: "/api/v1/notes/trash", token: s.token, expect: 200 }),
  (s) => ({ method: "POST", path: `/api/v1/notes/${s.note}/restore`, route: "/api/v1/notes/:id/restore", token: s.token, expect: 200 }),
  (s) => ({ method: "DELETE", path: `/api/v1/projects/${s.project}`, route: "/api/v1/projects/:id", token: s.token, expect: 204 }),
  (s) => ({ method: "GET", path: "/api/v1/projects/trash", route: "/api/v1/projects/trash", token: s.token, expect: 200 }),
  (s) => ({ method: "POST", path: `/api/v1/projects/${s.project}/restore`, route: "/api/v1/projects/:id/restore", token: s.token, expect: 200 }),
  (s) => ({ method: "DELETE", path: `/api/v1/notes/${s.note}?permanent=true`, route: "/api/v1/notes/:id?permanent=true", token: s.token, expect: 409 }),
  (s) => ({ method: "GET", path: "/api/v1/admin/errors", route: "/api/v1/admin/errors", token: s.token, expect: 200 }),
  (s) => ({ method: "GET", path: "/api/v1/admin/metrics", route: "/api/v1/admin/metrics", token: s.token, expect: 200 }),
  (s) => ({ method: "GET", path: "/api/v1/admin/db/connections", route: "/api/v1/admin/db/connections", token: s.token, expect: 200 }),
  (s) => ({ method: "GET", path: "/api/v1/admin/db/slow-queries", route: "/api/v1/admin/db/slow-queries", token: s.token, expect: 200 }),
  (s) => ({ method: "GET", path: "/api/v1/admin/maintenance", route: "/api/v1/admin/maintenance", token: s.token, expect: 200 }),
  (s) => ({ method: "GET", path: "/api/v1/admin/jobs", route: "/api/v1/admin/jobs", token: s.token, expect: 200 }),
  (s) => ({ method: "POST", path: "/api/v1/auth/logout", route: "/api/v1/auth/logout", token: s.token, expect: 204 }),
];

/** The floor's endpoints, the same requests. */
const RAW_FLOW: ((s: State) => Call)[] = [
  (s) => ({ method: "POST", path: "/api/v1/notes", route: "/api/v1/notes", token: s.token, body: { title: "Counted", projectId: s.project }, expect: 201 }),
  (s) => ({ method: "GET", path: "/api/v1/notes?limit=50", route: "/api/v1/notes", token: s.token, expect: 200 }),
  (s) => ({ method: "DELETE", path: `/api/v1/notes/${s.note}`, route: "/api/v1/notes/:id", token: s.token, expect: 204 }),
];

/** Routes that need no token: no goal for them (signing up hashes a password and writes a user). */
const UNAUTHENTICATED = new Set(["/health", "/health/ready", "/api/v1/auth/signup", "/api/v1/auth/login"]);

interface Counted {
  label: string;
  route: string;
  statements: string[];
}

export const statementsSuite: Suite = {
  name: "statements",
  async run(ctx) {
    const stats = await withConnection(ctx.server.url("postgres"), async (admin) => {
      const { rows } = await admin.query<{ ok: boolean }>(`SELECT count(*) > 0 AS ok FROM pg_available_extensions WHERE name = 'pg_stat_statements'`);
      if (!rows[0]?.ok) return false;
      await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      return true;
    });
    if (!stats) {
      ctx.log("  pg_stat_statements is not in this PostgreSQL: statements not counted");
      return [];
    }
    const ours = await countFlow(ctx, FLOW, (url) => startNodeServer(url, { METRICS_SAMPLE_RATE: "0" }), true);
    const raw = await countFlow(ctx, RAW_FLOW, (url) => startRawServer(url), false);
    const rawOf = new Map(raw.map((c) => [c.label, c.statements.length]));
    const figures: Figure[] = ours.map((c) => {
      const rawCount = rawOf.get(c.label);
      const authenticated = !UNAUTHENTICATED.has(c.route);
      const over = authenticated && c.statements.length > 2;
      return figure(
        `statements ${c.label}`,
        "statements",
        [{ ours: c.statements.length, ...(rawCount !== undefined && { raw: rawCount }) }],
        authenticated ? { of: "value", bound: "max", limit: 2 } : undefined,
        over ? c.statements.map(shorten).join(" · ") : undefined,
      );
    });
    return figures;
  },
};

const shorten = (sql: string) => {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 90 ? `${flat.slice(0, 87)}...` : flat;
};

async function countFlow(ctx: BenchContext, flow: ((s: State) => Call)[], start: (url: string) => Promise<ServerProcess>, withUser: boolean): Promise<Counted[]> {
  const { dataset } = ctx;
  const user = dataset.users[0] as { id: string; token: string };
  const state: State = { email: `counted-${Date.now()}@example.com`, token: user.token, project: `bench-project-0-1`, note: "bench-note-0-1" };
  const server = await start(dataset.url);
  const counted: Counted[] = [];
  try {
    await withConnection(ctx.server.url("postgres"), async (stats) => {
      for (const step of flow) {
        const call = step(state);
        if (withUser && call.path.startsWith("/api/v1/admin/") && !state.admin) {
          // The admin routes need the admin role: the user signed up above gets it, as `dbctl` would grant it.
          await withConnection(dataset.url, (db) => db.query(`UPDATE "User" SET role = 'ADMIN' WHERE email = $1`, [state.email]));
          state.admin = "yes";
        }
        await stats.query("SELECT pg_stat_statements_reset()");
        const answer = await send(server.url, call);
        const statements = await settledStatements(stats, dataset.database);
        counted.push({ label: `${call.method} ${call.route}`, route: call.route, statements });
        if (call.route === "/api/v1/auth/login") state.token = (answer as { token: string }).token;
        if (call.method === "POST" && call.route === "/api/v1/projects") state.project = (answer as { id: string }).id;
        if (call.method === "POST" && call.route === "/api/v1/notes") state.note = (answer as { id: string }).id;
      }
    });
  } finally {
    await server.stop();
    await withConnection(dataset.url, (db) => db.query(`DELETE FROM "User" WHERE email = $1`, [state.email]));
    if (!withUser) await withConnection(dataset.url, (db) => db.query(`DELETE FROM "Note" WHERE id = $1`, [state.note]));
  }
  return counted;
}

async function send(base: string, call: Call): Promise<unknown> {
  const res = await fetch(new URL(call.path, base), {
    method: call.method,
    headers: { ...(call.token && { authorization: `Bearer ${call.token}` }), ...(call.body !== undefined && { "content-type": "application/json" }) },
    ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
  });
  const text = await res.text();
  if (res.status !== call.expect) throw new Error(`${call.method} ${call.path} answered ${res.status}, not ${call.expect}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The statements the benchmark database ran since the reset, once two reads 50 ms apart agree. */
async function settledStatements(stats: Connection, database: string): Promise<string[]> {
  const read = async () => {
    const { rows } = await stats.query<{ query: string; calls: string }>(
      `SELECT query, calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 ORDER BY query`,
      [database],
    );
    return rows.flatMap((r) => Array.from({ length: Number(r.calls) }, () => r.query));
  };
  let last = await read();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = await read();
    if (now.length === last.length) return now;
    last = now;
  }
  return last;
}

