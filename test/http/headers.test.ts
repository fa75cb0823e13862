import { request as httpRequest, Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let user: { token: string; id: string; email: string };
beforeAll(async () => {
  t = await createTestApp({ CORS_ORIGINS: "https://app.example.com, http://localhost:5173", MAX_BODY_BYTES: "2048" });
  user = await t.signup();
});

describe("security headers", () => {
  it.each([
    ["GET", "/health"],
    ["GET", "/api/v1/nothing"],
    ["GET", "/api/v1/notes"],
    ["GET", "/api/v1/openapi.json"],
    ["POST", "/api/v1/auth/login"],
  ])("%s %s carries nosniff and Hono's other secure headers", async (method, path) => {
    const res = await t.request(method, path, { body: method === "POST" ? { email: "x@example.com" } : undefined });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
  });

  it("an authenticated response carries nosniff and no-store too", async () => {
    const res = await t.client.api.v1.auth.me.$get({}, t.as(user.token));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("responses with tokens or user data are never cached", async () => {
    const signup = await t.client.api.v1.auth.signup.$post({ json: { email: "nocache@example.com", password: "password-123" } });
    const login = await t.client.api.v1.auth.login.$post({ json: { email: "nocache@example.com", password: "password-123" } });
    const me = await t.client.api.v1.auth.me.$get({}, t.as(user.token));
    const refused = await t.client.api.v1.auth.me.$get({});
    for (const res of [signup, login, me, refused]) expect(res.headers.get("cache-control")).toBe("no-store");
    expect([signup.status, login.status, me.status, refused.status]).toEqual([201, 200, 200, 401]);
  });

  it("the docs page runs under a strict CSP that admits only its own inline script and style", async () => {
    const res = await t.request("GET", "/api/v1/docs");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(res.body).toContain(`<script nonce="${nonce}">`);
    expect(res.body).toContain(`<style nonce="${nonce}">`);
    const again = await t.request("GET", "/api/v1/docs");
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
  });
});

describe("CORS", () => {
  const preflight = (origin: string, path = "/api/v1/notes") =>
    t.request("OPTIONS", path, {
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });

  it("answers a preflight from an allowed origin, with the methods and headers the API takes", async () => {
    const res = await preflight("https://app.example.com");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET,POST,PUT,PATCH,DELETE");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("never allows an origin outside the list, nor credentials", async () => {
    const res = await preflight("https://evil.example.com");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const get = await t.request("GET", "/api/v1/notes", { token: user.token, headers: { origin: "https://evil.example.com" } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
    expect(get.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("a simple request from an allowed origin may read the response and our request id", async () => {
    const res = await t.request("GET", "/api/v1/notes", { token: user.token, headers: { origin: "http://localhost:5173" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(res.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
  });

  it("a request from no allowed origin gets no CORS header, only Vary: Origin", async () => {
    for (const headers of [{}, { origin: "https://evil.example.com" }] as Record<string, string>[]) {
      const res = await t.request("GET", "/api/v1/notes", { token: user.token, headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-expose-headers")).toBeNull();
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(res.headers.get("vary")).toBe("Origin");
    }
  });

  it("allows no origin at all by default", async () => {
    const fresh = await createTestApp();
    const res = await fresh.request("OPTIONS", "/api/v1/notes", { headers: { origin: "https://app.example.com", "access-control-request-method": "GET" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a CORS_ORIGINS entry that is not an origin, naming the variable", async () => {
    await expect(createTestApp({ CORS_ORIGINS: "app.example.com" })).rejects.toThrow(/CORS_ORIGINS/);
  });
});

describe("methods", () => {
  it.each([
    ["PUT", "/api/v1/notes", "GET, HEAD, POST"],
    ["DELETE", "/api/v1/auth/me", "GET, HEAD"],
    ["GET", "/api/v1/auth/login", "POST"],
    ["POST", "/api/v1/projects/abc", "DELETE, GET, HEAD, PATCH"],
  ])("%s on the known path %s answers 405 with Allow: %s", async (method, path, allow) => {
    const res = await t.request(method, path, { token: user.token, body: method === "GET" ? undefined : {} });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("an unknown path is still a 404", async () => {
    const res = await t.request("PUT", "/api/v1/unknown");
    expect(res.status).toBe(404);
    expect(res.headers.get("allow")).toBeNull();
  });
});

describe("bearer tokens", () => {
  it.each(["Bearer", "bearer", "BEARER", "bEaReR"])("the scheme is case-insensitive: %s works", async (scheme) => {
    const res = await t.request("GET", "/api/v1/auth/me", { headers: { authorization: `${scheme} ${user.token}` } });
    expect(res.status).toBe(200);
  });
});

describe("a body over the limit, on a real server", () => {
  let server: ReturnType<typeof serve>;
  let port: number;
  beforeAll(async () => {
    server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function send(agent: Agent, path: string, body?: string) {
    return new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path, method: body ? "POST" : "GET", agent, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  it("answers 413 with Connection: close, so a kept-alive client's next request goes on a fresh connection and works", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = await send(agent, "/api/v1/auth/signup", JSON.stringify({ email: "big@example.com", password: "x".repeat(8_000) }));
      expect(big.status).toBe(413);
      expect(big.connection).toBe("close");
      expect(JSON.parse(big.body).error.code).toBe("PAYLOAD_TOO_LARGE");
      // The kept-alive socket the server drops after a drain period must not carry the next request.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const next = await send(agent, "/health");
      expect(next.status).toBe(200);
      expect(next.connection).toBe("keep-alive");
    } finally {
      agent.destroy();
    }
  });
});
