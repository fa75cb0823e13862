import { describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

const login = (t: Awaited<ReturnType<typeof createTestApp>>, email: string, password: string, address = "203.0.113.7") =>
  t.request("POST", "/api/v1/auth/login", { body: { email, password }, headers: { "x-test-address": address } });

/** Each request's client address comes from a header only this test sets, as a socket would give it. */
const byHeader = { clientAddress: (c: { req: { header(name: string): string | undefined } }) => c.req.header("x-test-address") };

describe("login and signup rate limits", () => {
  it("refuses an account's logins with 429 and Retry-After after too many failures, without checking the password", async () => {
    const t = await createTestApp({ AUTH_RATE_LIMIT_ACCOUNT: "3" }, byHeader);
    const victim = await t.signup();
    for (let i = 0; i < 3; i++) expect((await login(t, victim.email, "wrong-password", `198.51.100.${i}`)).status).toBe(401);

    const { result: refused, count } = await t.countStatements(() => login(t, victim.email, "password-123", "198.51.100.99"));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("TOO_MANY_REQUESTS");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Refused before the handler: no database lookup, no password hash, no session.
    expect(count).toBe(0);
    expect(await t.db.session.count({ where: { userId: victim.id } })).toBe(1);

    // Another account is not affected.
    const other = await t.signup();
    expect((await login(t, other.email, "password-123")).status).toBe(200);
  });

  it("counts only failed logins against an account, and any casing of the email as the same account", async () => {
    const t = await createTestApp({ AUTH_RATE_LIMIT_ACCOUNT: "2" }, byHeader);
    const user = await t.signup();
    for (let i = 0; i < 5; i++) expect((await login(t, user.email, "password-123")).status).toBe(200);
    expect((await login(t, user.email.toUpperCase(), "nope-nope")).status).toBe(401);
    expect((await login(t, ` ${user.email} `, "nope-nope")).status).toBe(401);
    expect((await login(t, user.email, "password-123")).status).toBe(429);
  });

  it("refuses an address's logins and signups with 429 after too many attempts; other addresses go on", async () => {
    const t = await createTestApp({ AUTH_RATE_LIMIT_ADDRESS: "4" }, byHeader);
    const signup = (email: string, address: string) =>
      t.request("POST", "/api/v1/auth/signup", { body: { email, password: "password-123" }, headers: { "x-test-address": address } });
    expect((await signup("a1@example.com", "192.0.2.1")).status).toBe(201);
    expect((await signup("a2@example.com", "192.0.2.1")).status).toBe(201);
    expect((await login(t, "a1@example.com", "password-123", "192.0.2.1")).status).toBe(200);
    expect((await login(t, "nobody@example.com", "password-123", "192.0.2.1")).status).toBe(401);

    const before = await t.db.user.count();
    const refused = await signup("a3@example.com", "192.0.2.1");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    expect((await login(t, "a1@example.com", "password-123", "192.0.2.1")).status).toBe(429);
    expect(await t.db.user.count()).toBe(before);

    expect((await signup("b1@example.com", "192.0.2.2")).status).toBe(201);
  });

  it("says how much is left on every attempt (RateLimit headers)", async () => {
    const t = await createTestApp({ AUTH_RATE_LIMIT_ADDRESS: "5" }, byHeader);
    const res = await login(t, "nobody@example.com", "password-123", "192.0.2.9");
    expect(res.headers.get("ratelimit-limit")).toBe("5");
    expect(res.headers.get("ratelimit-remaining")).toBe("4");
  });
});

describe("password hashing under a flood", () => {
  it("queues hashes behind a fixed number of workers, turns the excess away with 503 BUSY, and keeps serving everyone else", async () => {
    const t = await createTestApp({ PASSWORD_HASH_CONCURRENCY: "1", PBKDF2_ITERATIONS: "100000" });
    const user = await t.signup();
    // 1 hashing + 32 queued at most: 100 at once cannot all wait.
    const flood = Array.from({ length: 100 }, (_, i) => t.request("POST", "/api/v1/auth/login", { body: { email: `flood${i}@example.com`, password: "wrong-password" } }));
    const me = await t.request("GET", "/api/v1/auth/me", { token: user.token });
    expect(me.status).toBe(200);
    const answers = await Promise.all(flood);
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(33);
    const turnedAway = answers.find((r) => r.status === 503);
    expect(turnedAway?.body.error.code).toBe("BUSY");
    expect(turnedAway?.headers.get("retry-after")).toBe("1");
    // The queue drains: the next login is checked as usual.
    expect((await t.request("POST", "/api/v1/auth/login", { body: { email: user.email, password: "password-123" } })).status).toBe(200);
  });
});
