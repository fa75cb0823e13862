import { describe, expect, it } from "vitest";
import { loadEnv } from "../../src/env.ts";
import type { RequestMetric } from "../../src/http/metrics.ts";
import { setMaintenance } from "../../src/ops/maintenance.ts";
import { createTestApp } from "../support/app.ts";
import { openConnection } from "../support/database.ts";

/**
 * What the telemetry middleware hands its sink, through the real app: a sink that keeps every
 * metric it is given.
 */
const recorded: RequestMetric[] = [];
const t = await createTestApp({}, { metrics: (metric) => void recorded.push(metric) });
const user = await t.signup();
const noteId: string = (await t.request("POST", "/api/v1/notes", { token: user.token, body: { title: "measured" } })).body.id;

/** The metrics of what `fn` sends. */
async function metricsOf(fn: () => Promise<unknown>): Promise<RequestMetric[]> {
  const start = recorded.length;
  await fn();
  return recorded.slice(start);
}

const shape = (m: RequestMetric) => ({ route: m.route, method: m.method, status: m.status });

describe("request metrics", () => {
  it("record the route pattern of the handler that answered (not the path, not a middleware's pattern), the method, the status and a duration", async () => {
    const before = Date.now();
    const [metric, ...rest] = await metricsOf(() => t.request("GET", `/api/v1/notes/${noteId}`, { token: user.token }));
    expect(rest).toEqual([]);
    expect(shape(metric as RequestMetric)).toEqual({ route: "/api/v1/notes/:id", method: "GET", status: 200 });
    expect(metric?.durationMs).toEqual(expect.any(Number));
    expect(metric?.durationMs).toBeGreaterThanOrEqual(0);
    expect(metric?.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(metric?.timestamp.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("each method and status of a resource under its own pattern", async () => {
    const metrics = await metricsOf(async () => {
      const created = await t.request("POST", "/api/v1/notes", { token: user.token, body: { title: "second" } });
      await t.request("PATCH", `/api/v1/notes/${created.body.id}`, { token: user.token, body: { title: "changed" } });
      await t.request("DELETE", `/api/v1/notes/${created.body.id}`, { token: user.token });
      await t.request("GET", "/api/v1/notes/trash", { token: user.token });
      await t.request("POST", `/api/v1/notes/${created.body.id}/restore`, { token: user.token });
      await t.request("GET", "/api/v1/notes?limit=5", { token: user.token });
    });
    expect(metrics.map(shape)).toEqual([
      { route: "/api/v1/notes", method: "POST", status: 201 },
      { route: "/api/v1/notes/:id", method: "PATCH", status: 200 },
      { route: "/api/v1/notes/:id", method: "DELETE", status: 204 },
      { route: "/api/v1/notes/trash", method: "GET", status: 200 },
      { route: "/api/v1/notes/:id/restore", method: "POST", status: 200 },
      { route: "/api/v1/notes", method: "GET", status: 200 },
    ]);
  });

  it("refusals count under the route they were for: no token, bad input, another user's row, too large a body", async () => {
    const other = await t.signup();
    const metrics = await metricsOf(async () => {
      await t.request("GET", `/api/v1/notes/${noteId}`);
      await t.request("POST", "/api/v1/notes", { token: user.token, body: { title: 42 } });
      await t.request("GET", `/api/v1/notes/${noteId}`, { token: other.token });
      await t.request("POST", "/api/v1/notes", { token: user.token, raw: JSON.stringify({ title: "x".repeat(t.config.MAX_BODY_BYTES) }) });
    });
    expect(metrics.map(shape)).toEqual([
      { route: "/api/v1/notes/:id", method: "GET", status: 401 },
      { route: "/api/v1/notes", method: "POST", status: 400 },
      { route: "/api/v1/notes/:id", method: "GET", status: 404 },
      { route: "/api/v1/notes", method: "POST", status: 413 },
    ]);
  });

  it("a write refused by maintenance counts under its route", async () => {
    const sql = await openConnection(t.url);
    await setMaintenance(sql, true, null);
    try {
      const metrics = await metricsOf(() => t.request("PATCH", `/api/v1/notes/${noteId}`, { token: user.token, body: { title: "blocked" } }));
      expect(metrics.map(shape)).toEqual([{ route: "/api/v1/notes/:id", method: "PATCH", status: 503 }]);
    } finally {
      await setMaintenance(sql, false, null);
    }
  });

  it("requests no route answers share one label, never their path", async () => {
    const metrics = await metricsOf(async () => {
      await t.request("GET", "/api/v1/no-such-thing/cm3x0k9a10000abcd1234efgh");
      await t.request("GET", "/api/v2/notes");
      await t.request("PUT", `/api/v1/notes/${noteId}`, { token: user.token, body: {} });
    });
    expect(metrics.map(shape)).toEqual([
      { route: "(unmatched)", method: "GET", status: 404 },
      { route: "(unmatched)", method: "GET", status: 404 },
      { route: "(unmatched)", method: "PUT", status: 405 },
    ]);
  });

  it("only API requests are measured: health checks are not", async () => {
    expect(await metricsOf(() => t.request("GET", "/health"))).toEqual([]);
  });
});

describe("sampling and failures", () => {
  it("METRICS_SAMPLE_RATE=0 records nothing", async () => {
    const none: RequestMetric[] = [];
    const sampled = await createTestApp({ METRICS_SAMPLE_RATE: "0" }, { metrics: (metric) => void none.push(metric) });
    const owner = await sampled.signup();
    expect((await sampled.request("GET", "/api/v1/notes", { token: owner.token })).status).toBe(200);
    expect((await sampled.request("GET", "/api/v1/nothing")).status).toBe(404);
    expect(none).toEqual([]);
  });

  it("METRICS_SAMPLE_RATE=1 (the default) records every request", async () => {
    expect(t.config.METRICS_SAMPLE_RATE).toBe(1);
    const metrics = await metricsOf(() => Promise.all(Array.from({ length: 20 }, () => t.request("GET", "/api/v1/notes", { token: user.token }))));
    expect(metrics).toHaveLength(20);
  });

  it("METRICS_SAMPLE_RATE is a share between 0 and 1", () => {
    expect(loadEnv({ METRICS_SAMPLE_RATE: "0.25" }).METRICS_SAMPLE_RATE).toBe(0.25);
    for (const bad of ["1.5", "-0.1", "half"]) expect(() => loadEnv({ METRICS_SAMPLE_RATE: bad })).toThrow(/METRICS_SAMPLE_RATE/);
  });

  it("a sink that throws fails no request", async () => {
    const broken = await createTestApp({}, {
      metrics: () => {
        throw new Error("the sink is broken");
      },
    });
    const signup = await broken.request("POST", "/api/v1/auth/signup", { body: { email: "sink@example.com", password: "password-123" } });
    expect(signup.status).toBe(201);
    const list = await broken.request("GET", "/api/v1/notes", { token: signup.body.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });
});
