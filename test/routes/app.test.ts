import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp({ MAX_BODY_BYTES: "2048" });
});

describe("app-wide behaviour", () => {
  it("unknown routes answer 404 JSON", async () => {
    const res = await t.request("GET", "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "NOT_FOUND", message: "No route for GET /api/v1/nothing-here" } });
  });

  it("a body over the configured limit answers 413 and writes nothing", async () => {
    const before = await t.db.user.count();
    const res = await t.request("POST", "/api/v1/auth/signup", {
      body: { email: "big@example.com", password: "password-123", name: "x".repeat(4096) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await t.db.user.count()).toBe(before);
  });

  it("the default body limit is 1 MiB", async () => {
    const fresh = await createTestApp();
    const { token } = await fresh.signup();
    const res = await fresh.request("POST", "/api/v1/notes", { token, body: { title: "big", content: "x".repeat(1024 * 1024) } });
    expect(res.status).toBe(413);
    const ok = await fresh.request("POST", "/api/v1/notes", { token, body: { title: "fits", content: "x".repeat(90_000) } });
    expect(ok.status).toBe(201);
  });

  it("every response carries our own request id; a client's id is kept apart and echoed when sane", async () => {
    const first = await t.request("GET", "/health");
    const second = await t.request("GET", "/health");
    expect(first.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));

    const claimed = await t.request("GET", "/health", { headers: { "x-request-id": "abc-123", "x-client-request-id": "client-7" } });
    expect(claimed.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(claimed.headers.get("x-client-request-id")).toBe("client-7");

    const refused = await t.request("GET", "/health", { headers: { "x-client-request-id": "<script>" } });
    expect(refused.headers.get("x-client-request-id")).toBeNull();
  });

  it("serves an OpenAPI 3 document generated from the route schemas", async () => {
    const res = await t.request("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths);
    for (const path of [
      "/api/v1/auth/signup",
      "/api/v1/auth/login",
      "/api/v1/auth/logout",
      "/api/v1/auth/me",
      "/api/v1/projects",
      "/api/v1/projects/{id}",
      "/api/v1/projects/{id}/restore",
      "/api/v1/projects/trash",
      "/api/v1/notes",
      "/api/v1/notes/{id}",
      "/api/v1/notes/{id}/restore",
      "/api/v1/notes/trash",
      "/health",
      "/health/ready",
    ]) {
      expect(paths).toContain(path);
    }
    expect(res.body.components.securitySchemes.Bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(res.body.paths["/api/v1/notes"].post.requestBody.content["application/json"].schema).toBeDefined();
    expect(res.body.paths["/api/v1/notes/{id}"].get.security).toEqual([{ Bearer: [] }]);
  });

  it("serves a docs page that reads the OpenAPI document", async () => {
    const res = await t.request("GET", "/api/v1/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.body).toContain("/api/v1/openapi.json");
  });
});
