import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, json } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});


const auth = () => t.client.api.v1.auth;
const signup = (body: { email: string; password: string; name?: string }) => auth().signup.$post({ json: body });
const login = (body: { email: string; password: string }) => auth().login.$post({ json: body });

describe("auth: happy paths", () => {
  it("signs up: 201 with the user, a token and its expiry; email stored lower-case", async () => {
    const body = await json(signup({ email: "  Ada.Lovelace@Example.COM ", password: "analytical-engine", name: "Ada" }), 201);
    expect(body.user).toMatchObject({ email: "ada.lovelace@example.com", name: "Ada", role: "USER" });
    expect(body.user).not.toHaveProperty("passwordHash");
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hours = (Date.parse(body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(t.config.SESSION_TTL_HOURS - 1);
    expect(hours).toBeLessThanOrEqual(t.config.SESSION_TTL_HOURS);
    const row = await t.db.user.findUniqueOrThrow({ where: { email: "ada.lovelace@example.com" } });
    expect(row.passwordHash).toMatch(/^pbkdf2_sha256\$10000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it("stores only the SHA-256 of the token", async () => {
    const body = await json(signup({ email: "hash@example.com", password: "password-123" }), 201);
    const sessions = await t.db.session.findMany({ where: { userId: body.user.id } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.tokenHash).toBe(createHash("sha256").update(body.token).digest("hex"));
    expect(JSON.stringify(sessions)).not.toContain(body.token);
  });

  it("two users with the same password get different hashes (per-user salt)", async () => {
    await signup({ email: "salt1@example.com", password: "same-password" });
    await signup({ email: "salt2@example.com", password: "same-password" });
    const users = await t.db.user.findMany({ where: { email: { in: ["salt1@example.com", "salt2@example.com"] } } });
    expect(users).toHaveLength(2);
    expect(users[0]?.passwordHash).not.toBe(users[1]?.passwordHash);
  });

  it("logs in with any casing of the email and gets a new session", async () => {
    await signup({ email: "grace@example.com", password: "cobol-forever" });
    const body = await json(login({ email: "GRACE@example.com", password: "cobol-forever" }), 200);
    expect(body.user.email).toBe("grace@example.com");
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.db.session.count({ where: { userId: body.user.id } })).toBe(2);
  });

  it("accepts a long passphrase without composition rules", async () => {
    const res = await signup({ email: "phrase@example.com", password: "all lower case words are fine" });
    expect(res.status).toBe(201);
  });

  it("GET /me returns the token's user", async () => {
    const user = await t.signup();
    const body = await json(auth().me.$get({}, t.as(user.token)), 200);
    expect(body.user).toMatchObject({ id: user.id, email: user.email });
  });

  it("logout answers 204, deletes the session row, and the token stops working", async () => {
    const user = await t.signup();
    const other = await json(login({ email: user.email, password: "password-123" }), 200);
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(2);

    const res = await auth().logout.$post({}, t.as(user.token));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(await t.db.session.count({ where: { userId: user.id } })).toBe(1);
    expect((await auth().me.$get({}, t.as(user.token))).status).toBe(401);
    // Logging out one session leaves the user's other sessions alone.
    expect((await auth().me.$get({}, t.as(other.token))).status).toBe(200);
  });
});
