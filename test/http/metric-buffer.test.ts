import { createServer, connect as connectTcp, type Server, type Socket } from "node:net";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createDb, dbOptions, type Db } from "../../src/db/client.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createMetricBuffer, type MetricBuffer } from "../../src/http/metric-buffer.ts";
import type { RequestMetric } from "../../src/http/metrics.ts";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { setMaintenance } from "../../src/ops/maintenance.ts";
import { createTestApp } from "../support/app.ts";
import { openConnection } from "../support/database.ts";

/**
 * The Node sink: metrics buffered in memory, written in batches of one INSERT each, counted
 * when they are dropped, on the app's real database and on one that goes away and comes back.
 */
const HOUR = 3_600_000;
let buffer: MetricBuffer | undefined;
const t = await createTestApp({}, { metrics: (metric) => buffer?.record(metric) });
const buffers: MetricBuffer[] = [];
const clients: Db[] = [];
afterAll(async () => {
  await Promise.all(buffers.map((b) => b.stop()));
  await Promise.all(clients.map((db) => db.$disconnect()));
});

const open = (db: Db, options: Parameters<typeof createMetricBuffer>[1]) => {
  const b = createMetricBuffer(db, { log: () => {}, ...options });
  buffers.push(b);
  return b;
};
const metric = (i: number): RequestMetric => ({ route: "/api/v1/buffered", method: "GET", status: 200, durationMs: i, timestamp: new Date() });
const rowsOf = (db: Db, route = "/api/v1/buffered") => db.performanceMetric.count({ where: { route } });
const clear = () => t.db.performanceMetric.deleteMany({});
const inserts = (sql: string[]) => sql.filter((s) => /^INSERT INTO (?:"public"\.)?"PerformanceMetric"/.test(s.trim()));

describe("metric buffer", () => {
  it("writes in batches: one INSERT per full batch, the rest on flush, and no other statement", async () => {
    await clear();
    const b = open(t.db, { batchSize: 50, flushIntervalMs: HOUR });
    const { sql } = await t.countStatements(async () => {
      for (let i = 0; i < 120; i++) b.record(metric(i));
      await b.flush();
    });
    expect(inserts(sql)).toHaveLength(3);
    // The maintenance switch is read inside each INSERT, not before it.
    expect(sql).toHaveLength(3);
    expect(await rowsOf(t.db)).toBe(120);
    expect(b.stats()).toEqual({ buffered: 0, written: 120, dropped: 0 });
  });

  it("holds a partial batch until its timer writes it", async () => {
    await clear();
    const b = open(t.db, { batchSize: 100, flushIntervalMs: 20 });
    for (let i = 0; i < 3; i++) b.record(metric(i));
    expect(b.stats().buffered).toBe(3);
    await vi.waitFor(async () => expect(await rowsOf(t.db)).toBe(3), { timeout: 5_000 });
  });

  it("writes what is left when stopped", async () => {
    await clear();
    const b = open(t.db, { batchSize: 100, flushIntervalMs: HOUR });
    for (let i = 0; i < 7; i++) b.record(metric(i));
    await b.stop();
    expect(await rowsOf(t.db)).toBe(7);
  });

  it("stores each metric as recorded: its timestamp to the millisecond (UTC), route, method, status and duration", async () => {
    await clear();
    const b = open(t.db, { batchSize: 100, flushIntervalMs: HOUR });
    const recorded = [
      { route: "/api/v1/buffered", method: "POST", status: 201, durationMs: 12.375, timestamp: new Date("2026-06-30T23:59:59.987Z") },
      { route: "/api/v1/buffered", method: "DELETE", status: 503, durationMs: 0.5, timestamp: new Date("2026-01-01T00:00:00.001Z") },
    ];
    for (const m of recorded) b.record(m);
    await b.flush();
    const stored = await t.db.performanceMetric.findMany({ where: { route: "/api/v1/buffered" }, orderBy: { timestamp: "desc" } });
    expect(stored.map(({ id: _id, ...m }) => m)).toEqual(recorded);
    expect(new Set(stored.map((m) => m.id)).size).toBe(2);
  });

  it("writes nothing while maintenance is on, and counts those as dropped", async () => {
    await clear();
    const sql = await openConnection(t.url);
    const b = open(t.db, { batchSize: 100, flushIntervalMs: HOUR });
    await setMaintenance(sql, true, null);
    try {
      for (let i = 0; i < 5; i++) b.record(metric(i));
      await b.flush();
    } finally {
      await setMaintenance(sql, false, null);
    }
    expect(await rowsOf(t.db)).toBe(0);
    expect(b.stats()).toEqual({ buffered: 0, written: 0, dropped: 5 });
  });
});

/** A TCP proxy to the test's PostgreSQL that can go down (refusing and cutting connections) and come back. */
async function stoppableDatabase(url: string) {
  const target = new URL(url);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const start = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connectTcp(Number(target.port), target.hostname);
        track(client);
        track(upstream);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", resolve);
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
    });
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);
  await start();
  return { url: proxied.toString(), start, stop };
}

describe("metric buffer with a database that goes away", () => {
  it("keeps at most maxBuffered metrics, drops and counts the rest, says so once, and writes again when the database is back", async () => {
    await clear();
    const database = await stoppableDatabase(t.url);
    try {
      const db = createDb(PrismaClient, dbOptions(t.config, database.url));
      clients.push(db);
      const lines: string[] = [];
      const b = open(db, { batchSize: 10, maxBuffered: 100, flushIntervalMs: HOUR, log: (line) => lines.push(line) });

      for (let i = 0; i < 10; i++) b.record(metric(i));
      await b.flush();
      expect(b.stats()).toEqual({ buffered: 0, written: 10, dropped: 0 });

      await database.stop();
      for (let i = 0; i < 1_000; i++) expect(() => b.record(metric(i))).not.toThrow();
      expect(b.stats().buffered).toBeLessThanOrEqual(100);
      await b.flush();
      await b.flush();
      const down = b.stats();
      expect(down.buffered).toBeLessThanOrEqual(100);
      expect(down.written).toBe(10);
      expect(down.buffered + down.dropped).toBe(1_000);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Could not write request metrics/);

      await database.start();
      await vi.waitFor(
        async () => {
          await b.flush();
          expect(b.stats().buffered).toBe(0);
          expect(b.stats().written).toBeGreaterThan(10);
        },
        { timeout: 10_000, interval: 100 },
      );
      const up = b.stats();
      expect(up.written + up.dropped).toBe(1_010);
      expect(await rowsOf(t.db)).toBe(up.written);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(new RegExp(`^Request metrics are written again \\(${up.dropped} dropped`));
    } finally {
      await database.stop();
    }
  });
});

describe("the read path with metrics on", () => {
  it("costs no extra statement: the metric is written after the response, in the buffer's batch", async () => {
    await clear();
    buffer = open(t.db, { batchSize: 100, flushIntervalMs: HOUR });
    const user = await t.signup();
    const id: string = (await t.request("POST", "/api/v1/notes", { token: user.token, body: { title: "budget" } })).body.id;
    for (const path of ["/api/v1/auth/me", "/api/v1/notes", `/api/v1/notes/${id}`, "/api/v1/projects"]) {
      const { result, count, sql } = await t.countStatements(() => t.request("GET", path, { token: user.token }));
      expect(result.status).toBe(200);
      expect(count, sql.join("\n")).toBeLessThanOrEqual(2);
      expect(sql.filter((s) => /PerformanceMetric|MaintenanceMode/.test(s))).toEqual([]);
    }
    await buffer.flush();
    const rows = await t.db.performanceMetric.findMany({ where: { method: "GET" }, orderBy: { route: "asc" }, select: { route: true, status: true } });
    expect(rows).toEqual(["/api/v1/auth/me", "/api/v1/notes", "/api/v1/notes/:id", "/api/v1/projects"].map((route) => ({ route, status: 200 })));
    buffer = undefined;
  });
});
