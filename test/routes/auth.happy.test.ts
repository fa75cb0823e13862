import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});

describe("auth: happy paths", () => {
  it("signs up: 201 with the user, a token and its expiry; email stored lower-case", async () => {
    const res = await t.request("POST", "/api/v1/auth/signup", {
      body: { email: "  Ada.Lovelace@Example.COM ", password: "analytical-engine", name: "Ada" },
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: "ada.lovelace@example.com", name: "Ada", role: "USER" });
    expect(res.body.user).not.toHaveProperty("passwordHash");
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hours = (Date.parse(res.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(t.config.SESSION_TTL_HOURS - 1);
    expect(hours).toBeLessThanOrEqual(t.config.SESSION_TTL_HOURS);
    const row = await t.db.user.findUniqueOrThrow({ where: { email: "ada.lovelace@example.com" } });
    expect(row.passwordHash).toMatch(/^pbkdf2_sha256\$10000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it("stores only the SHA-256 of the token", async () => {
    const res = await t.request("POST", "/api/v1/auth/signup", { body: { email: "hash@example.com", password: "password-123" } });
    const sessions = await t.db.session.findMany({ where: { userId: res.body.user.id } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.tokenHash).toBe(createHash("sha256").update(res.body.token).digest("hex"));
    expect(JSON.stringify(sessions)).not.toContain(res.body.token);
  });

  it("two users with the same password get different hashes (per-user salt)", async () => {
    await t.request("POST", "/api/v1/auth/signup", { body: { email: "salt1@example.com", password: "same-password" } });
    await t.request("POST", "/api/v1/auth/signup", { body: { email: "salt2@example.com", password: "same-password" } });
    const users = await t.db.user.findMany({ where: { email: { in: ["salt1@example.com", "salt2@example.com"] } } });
    expect(users).toHaveLength(2);
    expect(users[0]?.passwordHash).not.toBe(users[1]?.passwordHash);
  });

  it("logs in with any casing of the email and gets a new session", async () => {
    await t.request("POST", "/api/v1/auth/signup", { body: { email: "grace@example.com", password: "cobol-forever" } });
    const res = await t.request("POST", "/api/v1/auth/login", { body: { email: "GRACE@example.com", password: "cobol-forever" } });
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe("grace@example.com");
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.db.session.count({ where: { userId: res.body.user.id } })).toBe(2);
  });

  it("accepts a long passphrase without composition rules", async () => {
    const res = await t.request("POST", "/api/v1/auth/signup", {
      body: { email: "phrase@example.com", password: "all lower case words are fine" },
    });
    expect(res.status).toBe(201);
  });

  it("GET /me returns the token's user", async () => {
    const user = await t.signup();
    const res = await t.request("GET", "/api/v1/auth/me", { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: user.id, email: user.email });
  });

  it("logout answers 204, deletes the session row, and the token stops working", async () => {
    const user = await t.signup();
    const other = await t.request("POST", "/api/v1/auth/login", { body: { email: user.email, password: "password-123" } });
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(2);

    const res = await t.request("POST", "/api/v1/auth/logout", { token: user.token });
    expect(res.status).toBe(204);
    expect(res.body).toBe("");
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(1);
    expect((await t.request("GET", "/api/v1/auth/me", { token: user.token })).status).toBe(401);
    // Logging out one session leaves the user's other sessions alone.
    expect((await t.request("GET", "/api/v1/auth/me", { token: other.body.token })).status).toBe(200);
  });
});
