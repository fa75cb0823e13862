import { Hono } from "hono";

/**
 * The floor: a minimal Hono app doing the API's work by hand-written SQL over `pg`, nothing else
 * (no validation library, no ORM, no middleware). The same authentication lookup (the session's
 * token hash joined to its user), the same page of notes with project names (a trashed project
 * shows as none, as the API's soft delete has it), the same create and soft delete, answering the
 * same JSON. It runs on Node and in workerd alike: it only needs something that runs a query.
 */
export interface Queryable {
  query(statement: Statement): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/**
 * A named statement: `pg` prepares it once per connection, as the API's Prisma Client does its
 * own over a direct connection (src/db/client.ts), so neither side pays a parse and plan per query.
 */
export interface Statement {
  name: string;
  text: string;
  values: unknown[];
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const encoder = new TextEncoder();
const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

const AUTH = `SELECT s.id AS "sessionId", s."expiresAt", u.id, u.email, u.name, u.role
  FROM "Session" s JOIN "User" u ON u.id = s."userId" WHERE s."tokenHash" = $1`;

// The page first, then its projects: joined before the LIMIT, PostgreSQL hashes every live
// project in the database for each page (a sequential scan of the Project table); joined after
// it, it looks up the page's few by primary key.
const PAGE = `SELECT n.id, n.title, n.content, n.pinned, n."projectId", p.id AS "pid", p.name AS "pname", n."createdAt", n."updatedAt"
  FROM (SELECT id, title, content, pinned, "projectId", "createdAt", "updatedAt" FROM "Note"
        WHERE "userId" = $1 AND "deletedAt" IS NULL
        ORDER BY pinned DESC, "createdAt" DESC, id DESC LIMIT $2) n
  LEFT JOIN "Project" p ON p.id = n."projectId" AND p."deletedAt" IS NULL
  ORDER BY n.pinned DESC, n."createdAt" DESC, n.id DESC`;

const CREATE = `WITH created AS (
    INSERT INTO "Note" (id, "userId", "projectId", title, content, pinned, "createdAt", "updatedAt")
    SELECT $1, $2, $3, $4, $5, $6, now(), now()
    WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM "Project" WHERE id = $3 AND "userId" = $2 AND "deletedAt" IS NULL)
    RETURNING *
  ) SELECT c.id, c.title, c.content, c.pinned, c."projectId", p.id AS "pid", p.name AS "pname", c."createdAt", c."updatedAt"
  FROM created c LEFT JOIN "Project" p ON p.id = c."projectId"`;

const SOFT_DELETE = `UPDATE "Note" SET "deletedAt" = now(), "updatedAt" = now() WHERE id = $1 AND "userId" = $2 AND "deletedAt" IS NULL`;

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

function note(row: Record<string, unknown>) {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    pinned: row.pinned,
    projectId: row.projectId,
    project: row.pid ? { id: row.pid, name: row.pname } : null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

type RawEnv = { Variables: { userId: string } };

export function rawApp(db: Queryable) {
  const app = new Hono<RawEnv>();
  app.use("/api/v1/*", async (c, next) => {
    const token = c.req.header("authorization")?.replace(/^Bearer /i, "") ?? "";
    if (!TOKEN.test(token)) return c.json({ error: { code: "UNAUTHORIZED", message: "Authentication required" } }, 401);
    const hash = hex(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
    const { rows } = await db.query({ name: "auth", text: AUTH, values: [hash] });
    const session = rows[0];
    if (!session || (session.expiresAt as Date).getTime() <= Date.now()) return c.json({ error: { code: "UNAUTHORIZED", message: "Invalid or revoked token" } }, 401);
    c.set("userId", session.id as string);
    await next();
  });
  app.get("/api/v1/notes", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 20) || 20, 1), 100);
    const { rows } = await db.query({ name: "page", text: PAGE, values: [c.var.userId, limit + 1] });
    const items = rows.slice(0, limit).map(note);
    const last = items.at(-1);
    const nextCursor = rows.length > limit && last ? btoa(JSON.stringify([last.pinned, last.createdAt, last.id])) : null;
    return c.json({ items, nextCursor });
  });
  app.post("/api/v1/notes", async (c) => {
    const body = (await c.req.json()) as { title: string; content?: string; pinned?: boolean; projectId?: string | null };
    const { rows } = await db.query({ name: "create", text: CREATE, values: [crypto.randomUUID(), c.var.userId, body.projectId ?? null, body.title, body.content ?? "", body.pinned ?? false] });
    if (!rows[0]) return c.json({ error: { code: "NOT_FOUND", message: "Project not found" } }, 404);
    return c.json(note(rows[0]), 201);
  });
  app.delete("/api/v1/notes/:id", async (c) => {
    const { rowCount } = await db.query({ name: "soft-delete", text: SOFT_DELETE, values: [c.req.param("id"), c.var.userId] });
    if (!rowCount) return c.json({ error: { code: "NOT_FOUND", message: "Note not found" } }, 404);
    return c.body(null, 204);
  });
  return app;
}
