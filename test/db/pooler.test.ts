import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { inject } from "vitest";
import { createApp } from "../../src/app.ts";
import { createDb, dbOptions, type Db } from "../../src/db/client.ts";
import { loadEnv } from "../../src/env.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createTestDatabase } from "../support/database.ts";
import { startPgBouncer, type PgBouncer } from "../support/pgbouncer.ts";

/**
 * The app through a real PgBouncer in transaction mode (Neon's pooled URL is one): it sends no
 * session settings there (the pooler would refuse the connection), and the client-side timeout
 * still bounds every call.
 */
let bouncer: PgBouncer;
let db: Db;
let pooledUrl: string;
beforeAll(async () => {
  const pgInfo = inject("pg");
  const { name } = await createTestDatabase();
  const server = new URL(pgInfo.adminUrl);
  bouncer = await startPgBouncer({ port: Number(server.port), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
  pooledUrl = bouncer.url(name);
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await bouncer?.stop();
});

describe("through a transaction-mode pooler", () => {
  it("a session setting in the startup packet is refused by the pooler, which is why the app sends none there", async () => {
    const direct = new pg.Client({ connectionString: pooledUrl.replace("?pgbouncer=true", ""), options: "-c statement_timeout=2000" });
    await expect(direct.connect()).rejects.toThrow(/unsupported startup parameter/i);
  });

  it("serves the API through it; nothing session-level reaches the server, and the client-side timeout still bounds a call", async () => {
    const config = loadEnv({ APP_ENV: "test", DATABASE_URL: pooledUrl, PBKDF2_ITERATIONS: "10000", DB_QUERY_TIMEOUT_MS: "1000", DB_STATEMENT_TIMEOUT_MS: "1000" });
    db = createDb(PrismaClient, dbOptions(config, pooledUrl));
    const app = createApp({ config, db: () => db });
    const json = { "content-type": "application/json" };
    const signup = await app.request("/api/v1/auth/signup", { method: "POST", headers: json, body: JSON.stringify({ email: "pooled@example.com", password: "password-123" }) });
    expect(signup.status).toBe(201);
    const auth = { ...json, authorization: `Bearer ${(await signup.json()).token}` };
    for (let i = 0; i < 5; i++) {
      const res = await app.request("/api/v1/notes", { method: "POST", headers: auth, body: JSON.stringify({ title: `pooled ${i}`, pinned: i % 2 === 0 }) });
      expect(res.status).toBe(201);
    }
    const list = await app.request("/api/v1/notes?limit=3", { headers: auth });
    const page = await list.json();
    expect(page.items).toHaveLength(3);
    expect((await (await app.request(`/api/v1/notes?limit=3&cursor=${page.nextCursor}`, { headers: auth })).json()).items).toHaveLength(2);

    // Nothing session-level reached the server through the pooler; the client's timeout is what bounds a call.
    expect(await db.$queryRaw<{ s: string }[]>`SELECT current_setting('statement_timeout') AS s`).toEqual([{ s: "0" }]);
    await expect(db.$queryRaw`SELECT pg_sleep(3)::text`).rejects.toThrow(/Query read timeout/);
    expect((await app.request("/api/v1/auth/me", { headers: auth })).status).toBe(200);
  });
});
