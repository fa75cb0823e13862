import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});

describe("auth: security", () => {
  it.each([
    ["no header", {}],
    ["a non-bearer scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["a malformed token", { authorization: "Bearer not-a-token" }],
    ["a well-formed unknown token", { authorization: `Bearer ${"A".repeat(43)}` }],
  ])("GET /me with %s answers 401 with a WWW-Authenticate challenge", async (_, headers) => {
    const res = await t.request("GET", "/api/v1/auth/me", { headers });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHORIZED");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("a malformed token is refused without asking the database", async () => {
    const { count, result } = await t.countStatements(() => t.request("GET", "/api/v1/auth/me", { headers: { authorization: "Bearer x" } }));
    expect(result.status).toBe(401);
    expect(count).toBe(0);
  });

  it("an expired session answers 401; a read never writes, so its row is left to the retention cleanup", async () => {
    const user = await t.signup();
    await t.db.session.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const { result, sql } = await t.countStatements(() => t.request("GET", "/api/v1/auth/me", { token: user.token }));
    expect(result.status).toBe(401);
    expect(result.body.error.message).toMatch(/expired/i);
    expect(sql.filter((s) => !/^\s*SELECT/i.test(s))).toEqual([]);
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(1);
  });

  it("logout needs a valid token", async () => {
    const res = await t.request("POST", "/api/v1/auth/logout");
    expect(res.status).toBe(401);
  });

  it("deleting a user removes their sessions (cascade)", async () => {
    const user = await t.signup();
    await t.db.user.delete({ where: { id: user.id } });
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(0);
    expect((await t.request("GET", "/api/v1/auth/me", { token: user.token })).status).toBe(401);
  });

  it("no response ever carries a password hash", async () => {
    const signup = await t.request("POST", "/api/v1/auth/signup", { body: { email: "leak@example.com", password: "password-123" } });
    const login = await t.request("POST", "/api/v1/auth/login", { body: { email: "leak@example.com", password: "password-123" } });
    const me = await t.request("GET", "/api/v1/auth/me", { token: login.body.token });
    for (const res of [signup, login, me]) expect(JSON.stringify(res.body)).not.toMatch(/pbkdf2|passwordHash/);
  });
});
