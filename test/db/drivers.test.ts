import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createApp } from "../../src/app.ts";
import { chooseDriver, createDb } from "../../src/db/client.ts";
import { loadEnv } from "../../src/env.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createTestDatabase } from "../support/database.ts";
import { startNeonWsProxy } from "../support/neon-ws-proxy.ts";

describe("driver choice", () => {
  it.each([
    ["postgresql://u:p@localhost:5432/db", "auto", "pg"],
    ["postgres://u:p@db.internal/db?schema=app", "auto", "pg"],
    ["postgresql://u:p@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require", "auto", "neon"],
    ["postgresql://u:p@ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech/neondb", "auto", "neon"],
    // Accelerate-protocol endpoints that still serve: `prisma dev`, a self-hosted executor (hosted Accelerate is refused by env.ts).
    ["prisma+postgres://localhost:51213/?api_key=secret", "auto", "accelerate"],
    ["prisma://accelerate.example.internal/?api_key=secret", "auto", "accelerate"],
    ["postgresql://u:p@localhost:5432/db", "neon", "neon"],
    ["postgresql://u:p@x.neon.tech/db", "pg", "pg"],
  ] as const)("%s with %s -> %s", (url, requested, expected) => {
    expect(chooseDriver(url, requested)).toBe(expected);
  });
});

describe("the Neon serverless driver path", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("serves the API over Neon's WebSocket driver against real Postgres", async () => {
    const proxy = await startNeonWsProxy();
    cleanups.push(proxy.close);
    const { url } = await createTestDatabase();
    const db = createDb(PrismaClient, { url, driver: "neon", neonWsProxy: proxy.address, webSocketConstructor: WebSocket });
    cleanups.push(() => db.$disconnect());
    const app = createApp({ config: loadEnv({ APP_ENV: "test", DATABASE_URL: url, PBKDF2_ITERATIONS: "10000" }), db: () => db });

    const signup = await app.request("/api/v1/auth/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "neon@example.com", password: "password-123" }),
    });
    expect(signup.status).toBe(201);
    const { token } = await signup.json();
    const created = await app.request("/api/v1/notes", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: "over websockets" }),
    });
    expect(created.status).toBe(201);
    const list = await app.request("/api/v1/notes", { headers: { authorization: `Bearer ${token}` } });
    expect((await list.json()).items.map((n: { title: string }) => n.title)).toEqual(["over websockets"]);
    // The traffic really went through the WebSocket tunnel.
    expect(proxy.connections()).toBeGreaterThan(0);
  });

  it("honours Prisma's ?schema= parameter", async () => {
    const { url } = await createTestDatabase({ empty: true });
    const { connect } = await import("../../src/ops/sql.ts");
    const { deployMigrations } = await import("../../src/ops/migrations/deploy.ts");
    const { readMigrations } = await import("../../src/ops/migrations/files.ts");
    const schemaUrl = `${url}?schema=tenant_a`;
    const conn = await connect(schemaUrl, { createSchema: true });
    await deployMigrations(conn, readMigrations("prisma/migrations"));
    const { rows } = await conn.query<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'tenant_a' AND tablename = 'Note'`);
    await conn.close();
    expect(rows[0]?.n).toBe("1");

    const db = createDb(PrismaClient, { url: schemaUrl });
    cleanups.push(() => db.$disconnect());
    await db.user.create({ data: { email: "schema@example.com", passwordHash: "x" } });
    expect(await db.user.count()).toBe(1);
  });
});
