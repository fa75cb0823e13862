import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});

describe("auth: errors", () => {
  it.each([
    [{ email: "not-an-email", password: "password-123" }, "email"],
    [{ email: "short@example.com", password: "1234567" }, "password"],
    [{ password: "password-123" }, "email"],
    [{ email: "a@example.com" }, "password"],
    [{ email: "a@example.com", password: "password-123", name: "" }, "name"],
    [{ email: "a@example.com", password: 12345678 }, "password"],
  ])("signup with %j answers 400 naming %s, and creates nothing", async (body, field) => {
    const before = await t.db.user.count();
    const res = await t.request("POST", "/api/v1/auth/signup", { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await t.db.user.count()).toBe(before);
  });

  it("signup with malformed JSON answers 400 INVALID_JSON", async () => {
    const res = await t.request("POST", "/api/v1/auth/signup", { raw: '{"email": "x@example.com",' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_JSON");
  });

  it("signup with a non-JSON body answers 415 in the JSON error shape", async () => {
    const before = await t.db.user.count();
    const res = await t.request("POST", "/api/v1/auth/signup", { headers: { "content-type": "text/plain" }, raw: "hello" });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await t.db.user.count()).toBe(before);
  });

  it("a duplicate email, in any casing, answers 409 and leaves the first account as it was", async () => {
    const first = await t.request("POST", "/api/v1/auth/signup", { body: { email: "dup@example.com", password: "password-123" } });
    expect(first.status).toBe(201);
    const res = await t.request("POST", "/api/v1/auth/signup", { body: { email: "DUP@example.com", password: "other-password" } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("EMAIL_TAKEN");
    expect(await t.db.user.count({ where: { email: "dup@example.com" } })).toBe(1);
    const login = await t.request("POST", "/api/v1/auth/login", { body: { email: "dup@example.com", password: "password-123" } });
    expect(login.status).toBe(200);
  });

  it("a wrong password and an unknown email get the same 401", async () => {
    await t.request("POST", "/api/v1/auth/signup", { body: { email: "known@example.com", password: "password-123" } });
    const wrong = await t.request("POST", "/api/v1/auth/login", { body: { email: "known@example.com", password: "password-124" } });
    const unknown = await t.request("POST", "/api/v1/auth/login", { body: { email: "nobody@example.com", password: "password-123" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe("UNAUTHORIZED");
  });

  it("a login body that fails validation answers 400", async () => {
    const res = await t.request("POST", "/api/v1/auth/login", { body: { email: "known@example.com" } });
    expect(res.status).toBe(400);
  });
});
