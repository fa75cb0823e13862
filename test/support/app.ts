import { testClient } from "hono/testing";
import { afterAll, expect } from "vitest";
import { createApp, type AppDeps } from "../../src/app.ts";
import { createDb, dbOptions, type Db } from "../../src/db/client.ts";
import { loadEnv } from "../../src/env.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createTestDatabase } from "./database.ts";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** A raw body, sent as is (invalid JSON, oversized payloads). */
  raw?: string;
  headers?: Record<string, string>;
}

/** Checks a typed client's response status; the response is then typed as the route answers with that status. */
export function expectStatus<R extends { status: number }, S extends R["status"]>(res: R, status: S): asserts res is Extract<R, { status: S }> {
  expect(res.status).toBe(status);
}

/** The JSON of a typed client's response after checking its status, typed as the route answers with that status. */
export async function json<R extends { status: number; json(): Promise<unknown> }, S extends R["status"]>(pending: Promise<R>, status: S) {
  const res = await pending;
  expectStatus(res, status);
  return (await res.json()) as Awaited<ReturnType<Extract<R, { status: S }>["json"]>>;
}

// Registered when a test file imports this module (hooks registered inside beforeAll may never
// run). A 500 is a bug even in a test that asserts something else: every file checks it had none.
const opened: Db[] = [];
const serverErrors: string[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.$disconnect()));
  expect(serverErrors, "requests answered 500").toEqual([]);
});

/**
 * The real app on a database of this file's own: requests go through `app.request()`, queries
 * through real Prisma to real Postgres. `client` is Hono's typed test client of the app (paths,
 * bodies and responses typed from the routes); `request` sends anything at all, for the requests
 * a typed client would refuse to build. `statements` counts the SQL each request sends.
 */
export async function createTestApp(overrides: Record<string, string> = {}, deps: Partial<Omit<AppDeps, "config" | "db">> = {}) {
  const { url } = await createTestDatabase();
  // Every request of app.request() comes from one unknown address: the limits of login and signup
  // are the rate-limit tests' own business.
  const config = loadEnv({
    APP_ENV: "test",
    DATABASE_URL: url,
    PBKDF2_ITERATIONS: "10000",
    AUTH_RATE_LIMIT_ADDRESS: "100000",
    AUTH_RATE_LIMIT_ACCOUNT: "100000",
    ...overrides,
  });
  const statements: string[] = [];
  const db: Db = createDb(PrismaClient, { ...dbOptions(config, url), onQuery: (sql) => statements.push(sql) });
  const app = createApp({ config, db: () => db, ...deps });
  opened.push(db);
  // Every request, typed or raw, is checked for a 500.
  const tracked = new Proxy(app, {
    get(target, property, receiver) {
      if (property !== "request") return Reflect.get(target, property, receiver);
      return async (...args: Parameters<typeof app.request>) => {
        const response = await target.request(...args);
        if (response.status >= 500 && response.status !== 503) serverErrors.push(`${args[1]?.method ?? "GET"} ${String(args[0])} -> ${response.status}`);
        return response;
      };
    },
  });
  const client = testClient(tracked);
  /** Request options that authenticate as the token's user. */
  const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  async function request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    } else if (options.raw !== undefined) {
      headers["content-type"] ??= "application/json";
    }
    const response = await tracked.request(path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  let counter = 0;
  /** Signs up a fresh user; returns its token and id. */
  async function signup(role: "USER" | "ADMIN" = "USER") {
    const email = `user${++counter}-${Math.floor(performance.now())}@example.com`;
    const res = await request("POST", "/api/v1/auth/signup", { body: { email, password: "password-123", name: `User ${counter}` } });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
    if (role === "ADMIN") await db.user.update({ where: { id: res.body.user.id }, data: { role: "ADMIN" } });
    return { token: res.body.token as string, id: res.body.user.id as string, email };
  }

  /** Counts the SQL statements one call sends. */
  async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; count: number; sql: string[] }> {
    const start = statements.length;
    const result = await fn();
    const sql = statements.slice(start);
    return { result, count: sql.length, sql };
  }

  return { app, client, as, db, url, config, request, signup, countStatements };
}
