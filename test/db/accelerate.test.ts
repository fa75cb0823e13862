import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { chooseDriver, createDb, dbOptions, type Db } from "../../src/db/client.ts";
import { loadEnv } from "../../src/env.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { startAccelerateEndpoint, type AccelerateEndpoint } from "../support/accelerate-endpoint.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import type { Connection } from "../../src/ops/sql.ts";

/**
 * The API over the Accelerate protocol, end to end: the app's own client factory picks the
 * accelerate driver from a `prisma+postgres://localhost` DATABASE_URL, and every query travels as
 * a query plan over HTTP to Prisma's query-plan executor, which runs it on real PostgreSQL.
 */

let endpoint: AccelerateEndpoint;
let db: Db;
let direct: Connection;
let app: ReturnType<typeof createApp>;
let directUrl: string;
const serverErrors: string[] = [];

beforeAll(async () => {
  ({ url: directUrl } = await createTestDatabase());
  endpoint = await startAccelerateEndpoint(directUrl);
  const config = loadEnv({
    APP_ENV: "test",
    DATABASE_URL: endpoint.url,
    PBKDF2_ITERATIONS: "10000",
    AUTH_RATE_LIMIT_ADDRESS: "100000",
    AUTH_RATE_LIMIT_ACCOUNT: "100000",
  });
  db = createDb(PrismaClient, dbOptions(config, config.DATABASE_URL ?? ""));
  app = createApp({ config, db: () => db });
  direct = await openConnection(directUrl);
});

afterAll(async () => {
  await db?.$disconnect();
  await endpoint?.stop();
  expect(serverErrors, "requests answered 500").toEqual([]);
});

async function call<T = any>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const response = await app.request(path, { method, headers, body });
  if (response.status >= 500) serverErrors.push(`${method} ${path} -> ${response.status}`);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const rows = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => (await direct.query<R>(sql, params)).rows;

describe("the API over a local Accelerate-protocol endpoint", () => {
  it("chooses the accelerate driver for the endpoint's URL", () => {
    expect(endpoint.url).toMatch(/^prisma\+postgres:\/\/localhost:\d+\/\?api_key=/);
    expect(chooseDriver(endpoint.url)).toBe("accelerate");
  });

  it("signs up, logs in, reads me and logs out; the user and sessions are rows in PostgreSQL", async () => {
    const before = endpoint.requests();
    const signup = await call("POST", "/api/v1/auth/signup", { body: { email: "Ada@Example.com", password: "password-123", name: "Ada" } });
    expect(signup.status).toBe(201);
    expect(signup.body.user).toMatchObject({ email: "ada@example.com", name: "Ada", role: "USER" });

    const login = await call("POST", "/api/v1/auth/login", { body: { email: "ada@example.com", password: "password-123" } });
    expect(login.status).toBe(200);
    const wrong = await call("POST", "/api/v1/auth/login", { body: { email: "ada@example.com", password: "not-the-password" } });
    expect(wrong.status).toBe(401);

    const me = await call("GET", "/api/v1/auth/me", { token: login.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: signup.body.user.id, email: "ada@example.com" });

    const [user] = await rows<{ email: string; passwordHash: string }>(`SELECT email, "passwordHash" FROM "User" WHERE id = $1`, [signup.body.user.id]);
    expect(user?.email).toBe("ada@example.com");
    expect(user?.passwordHash).toMatch(/^pbkdf2_sha256\$10000\$/);
    expect(await rows(`SELECT 1 FROM "Session" WHERE "userId" = $1`, [signup.body.user.id])).toHaveLength(2);

    expect((await call("POST", "/api/v1/auth/logout", { token: login.body.token })).status).toBe(204);
    expect((await call("GET", "/api/v1/auth/me", { token: login.body.token })).status).toBe(401);
    expect((await call("GET", "/api/v1/auth/me", { token: signup.body.token })).status).toBe(200);
    expect(await rows(`SELECT 1 FROM "Session" WHERE "userId" = $1`, [signup.body.user.id])).toHaveLength(1);
    // Every query went over the endpoint's HTTP, none over a socket of the app's own.
    expect(endpoint.requests()).toBeGreaterThan(before);
  });

  it("creates, reads, updates, lists, soft deletes, restores and purges projects and notes", async () => {
    const { body: account } = await call("POST", "/api/v1/auth/signup", { body: { email: "grace@example.com", password: "password-123" } });
    const token: string = account.token;

    const project = await call("POST", "/api/v1/projects", { token, body: { name: "Research", description: "papers" } });
    expect(project.status).toBe(201);
    const renamed = await call("PATCH", `/api/v1/projects/${project.body.id}`, { token, body: { name: "Research 2" } });
    expect(renamed.body).toMatchObject({ id: project.body.id, name: "Research 2", description: "papers", status: "ACTIVE" });

    const inProject = await call("POST", "/api/v1/notes", { token, body: { title: "Idea", content: "body", projectId: project.body.id } });
    expect(inProject.status).toBe(201);
    expect(inProject.body).toMatchObject({ title: "Idea", project: { id: project.body.id, name: "Research 2" } });
    const loose = await call("POST", "/api/v1/notes", { token, body: { title: "Loose", pinned: true } });
    expect(loose.status).toBe(201);
    const edited = await call("PATCH", `/api/v1/notes/${inProject.body.id}`, { token, body: { content: "edited" } });
    expect(edited.body).toMatchObject({ content: "edited", project: { name: "Research 2" } });
    expect((await call("GET", `/api/v1/notes/${inProject.body.id}`, { token })).body).toEqual(edited.body);

    // Pinned first, then newest, each with its project's name.
    const list = await call("GET", "/api/v1/notes", { token });
    expect(list.body.items.map((n: { title: string; project: { name: string } | null }) => [n.title, n.project?.name ?? null])).toEqual([
      ["Loose", null],
      ["Idea", "Research 2"],
    ]);
    expect((await call("GET", "/api/v1/projects", { token })).body.items.map((p: { name: string }) => p.name)).toEqual(["Research 2"]);
    const [stored] = await rows<{ title: string; content: string; name: string }>(
      `SELECT n.title, n.content, p.name FROM "Note" n JOIN "Project" p ON p.id = n."projectId" WHERE n.id = $1`,
      [inProject.body.id],
    );
    expect(stored).toEqual({ title: "Idea", content: "edited", name: "Research 2" });

    // Soft delete: gone from reads, in the trash, the row still there with deletedAt set.
    expect((await call("DELETE", `/api/v1/notes/${inProject.body.id}`, { token })).status).toBe(204);
    expect((await call("GET", `/api/v1/notes/${inProject.body.id}`, { token })).status).toBe(404);
    expect((await call("GET", "/api/v1/notes", { token })).body.items.map((n: { title: string }) => n.title)).toEqual(["Loose"]);
    const trash = await call("GET", "/api/v1/notes/trash", { token });
    expect(trash.body.items.map((n: { id: string }) => n.id)).toEqual([inProject.body.id]);
    const [trashed] = await rows<{ deletedAt: Date | null }>(`SELECT "deletedAt" FROM "Note" WHERE id = $1`, [inProject.body.id]);
    expect(trashed?.deletedAt).toBeInstanceOf(Date);

    const restored = await call("POST", `/api/v1/notes/${inProject.body.id}/restore`, { token });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: inProject.body.id, project: { name: "Research 2" } });
    expect(await rows(`SELECT 1 FROM "Note" WHERE id = $1 AND "deletedAt" IS NULL`, [inProject.body.id])).toHaveLength(1);

    // A project in the trash: gone from lists, and a note of it shows no project until it comes back.
    expect((await call("DELETE", `/api/v1/projects/${project.body.id}`, { token })).status).toBe(204);
    expect((await call("GET", "/api/v1/projects", { token })).body.items).toEqual([]);
    expect((await call("GET", `/api/v1/notes/${inProject.body.id}`, { token })).body).toMatchObject({ projectId: project.body.id, project: null });
    expect((await call("POST", `/api/v1/projects/${project.body.id}/restore`, { token })).status).toBe(200);
    expect((await call("GET", `/api/v1/notes/${inProject.body.id}`, { token })).body.project).toEqual({ id: project.body.id, name: "Research 2" });

    // Permanent delete only from the trash; then the row is gone from PostgreSQL.
    expect((await call("DELETE", `/api/v1/notes/${loose.body.id}?permanent=true`, { token })).status).toBe(409);
    expect((await call("DELETE", `/api/v1/notes/${loose.body.id}`, { token })).status).toBe(204);
    expect((await call("DELETE", `/api/v1/notes/${loose.body.id}?permanent=true`, { token })).status).toBe(204);
    expect(await rows(`SELECT 1 FROM "Note" WHERE id = $1`, [loose.body.id])).toHaveLength(0);
  });

  it("keeps another user's rows out of reach (404, as over a direct connection)", async () => {
    const owner = (await call("POST", "/api/v1/auth/signup", { body: { email: "owner@example.com", password: "password-123" } })).body;
    const other = (await call("POST", "/api/v1/auth/signup", { body: { email: "other@example.com", password: "password-123" } })).body;
    const note = (await call("POST", "/api/v1/notes", { token: owner.token, body: { title: "mine" } })).body;
    expect((await call("GET", `/api/v1/notes/${note.id}`, { token: other.token })).status).toBe(404);
    expect((await call("PATCH", `/api/v1/notes/${note.id}`, { token: other.token, body: { title: "theirs" } })).status).toBe(404);
    expect((await rows<{ title: string }>(`SELECT title FROM "Note" WHERE id = $1`, [note.id]))[0]?.title).toBe("mine");
  });
});

describe("transactions over the endpoint (the app's routes start none; jobs and seeds may)", () => {
  const newUser = async (email: string) => (await db.user.create({ data: { email, passwordHash: "x" } })).id;

  it("runs an interactive transaction on one PostgreSQL connection and commits it", async () => {
    const userId = await newUser("itx-commit@example.com");
    const seenOutside = await db.$transaction(async (tx) => {
      const project = await tx.project.create({ data: { name: "itx", userId } });
      await tx.note.create({ data: { title: "in itx", userId, projectId: project.id } });
      // Uncommitted: the transaction sees its rows, a direct connection does not yet.
      expect(await tx.note.count({ where: { userId } })).toBe(1);
      return (await rows(`SELECT 1 FROM "Note" WHERE "userId" = $1`, [userId])).length;
    });
    expect(seenOutside).toBe(0);
    expect(await rows(`SELECT 1 FROM "Note" WHERE "userId" = $1`, [userId])).toHaveLength(1);
  });

  it("rolls an interactive transaction back when its function throws", async () => {
    const userId = await newUser("itx-rollback@example.com");
    await expect(
      db.$transaction(async (tx) => {
        await tx.project.create({ data: { name: "doomed", userId } });
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await rows(`SELECT 1 FROM "Project" WHERE "userId" = $1`, [userId])).toHaveLength(0);
  });

  it("runs a batch transaction all or nothing", async () => {
    const userId = await newUser("batch@example.com");
    const [project, count] = await db.$transaction([db.project.create({ data: { name: "batch", userId } }), db.project.count({ where: { userId } })]);
    expect(project.name).toBe("batch");
    expect(count).toBe(1);
    // The second create breaks the foreign key: the first is rolled back with it.
    await expect(
      db.$transaction([db.project.create({ data: { name: "kept?", userId } }), db.project.create({ data: { name: "orphan", userId: "no-such-user" } })]),
    ).rejects.toThrow();
    expect((await rows<{ name: string }>(`SELECT name FROM "Project" WHERE "userId" = $1`, [userId])).map((r) => r.name)).toEqual(["batch"]);
  });
});

describe("the endpoint itself", () => {
  it("refuses a client with the wrong API key, and changes nothing", async () => {
    const stranger = createDb(PrismaClient, { url: endpoint.urlWithKey("not-the-key") });
    await expect(stranger.user.count()).rejects.toThrow(/API key/);
    await expect(stranger.user.create({ data: { email: "stranger@example.com", passwordHash: "x" } })).rejects.toThrow(/API key/);
    await stranger.$disconnect();
    expect(await rows(`SELECT 1 FROM "User" WHERE email = 'stranger@example.com'`)).toHaveLength(0);
  });

  it("refuses a client of another Prisma version, as prisma dev does", async () => {
    const apiKey = new URL(endpoint.url).searchParams.get("api_key") ?? "";
    const httpUrl = endpoint.url.replace(/^prisma\+postgres:/, "http:").replace(/\?.*$/, "connection-info");
    const headers = { authorization: `Bearer ${apiKey}` };
    const older = await fetch(httpUrl, { headers: { ...headers, "prisma-engine-hash": "7.2.0" } });
    expect(older.status).toBe(400);
    expect(await older.text()).toContain("7.10.0");
    const same = await fetch(httpUrl, { headers: { ...headers, "prisma-engine-hash": "7.10.0" } });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ provider: "postgres" });
  });

  it("leaves no connection to PostgreSQL behind when stopped", async () => {
    const { url } = await createTestDatabase();
    const own = await startAccelerateEndpoint(url);
    const client = createDb(PrismaClient, { url: own.url });
    expect(await client.user.count()).toBe(0);
    const database = new URL(url).pathname.slice(1);
    const connections = () => rows(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]);
    expect((await connections()).length).toBeGreaterThan(0);
    await own.stop();
    await client.$disconnect();
    expect(await connections()).toEqual([]);
    await expect(fetch(own.url.replace(/^prisma\+postgres:/, "http:"))).rejects.toThrow();
  });
});
