import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.ts";
import { afterWorkers, startWorker, WAYS_IN, type WayIn, type WorkerCall } from "./workerd.ts";
import { startWireTap, type WireCount } from "./wire-tap.ts";

/**
 * What each API request costs on the wire, in workerd, per way in: the Worker's Prisma Client
 * opens one connection per request, so every request pays the connection's startup and
 * authentication before its statements. The table is printed (the README's Workers section
 * quotes it); the tests hold what it shows that does not depend on the machine: the counts are
 * round trips and statements, never times.
 */
type Step = [label: string, run: (call: WorkerCall, state: Record<string, string>) => Promise<unknown>];

/** The API's main flow, one request a step (state carries the token and ids along). */
const FLOW: Step[] = [
  ["GET /health/ready", (call) => call("/health/ready")],
  ["POST /auth/signup", async (call, s) => void (s.email = `rt${Date.now()}@example.com`, await call("/api/v1/auth/signup", { method: "POST", body: { email: s.email, password: "password-123" } }))],
  ["POST /auth/login", async (call, s) => void (s.token = (await call("/api/v1/auth/login", { method: "POST", body: { email: s.email, password: "password-123" } })).body.token)],
  ["GET /auth/me", (call, s) => call("/api/v1/auth/me", { token: s.token })],
  ["POST /projects", async (call, s) => void (s.project = (await call("/api/v1/projects", { method: "POST", token: s.token, body: { name: "Wire" } })).body.id)],
  ["GET /projects", (call, s) => call("/api/v1/projects", { token: s.token })],
  ["POST /notes", async (call, s) => void (s.note = (await call("/api/v1/notes", { method: "POST", token: s.token, body: { title: "t", projectId: s.project } })).body.id)],
  ["GET /notes", (call, s) => call("/api/v1/notes", { token: s.token })],
  ["GET /notes/:id", (call, s) => call(`/api/v1/notes/${s.note}`, { token: s.token })],
  ["PATCH /notes/:id", (call, s) => call(`/api/v1/notes/${s.note}`, { method: "PATCH", token: s.token, body: { pinned: true } })],
  ["DELETE /notes/:id", (call, s) => call(`/api/v1/notes/${s.note}`, { method: "DELETE", token: s.token })],
  ["POST /notes/:id/restore", (call, s) => call(`/api/v1/notes/${s.note}/restore`, { method: "POST", token: s.token })],
  ["POST /auth/logout", (call, s) => call("/api/v1/auth/logout", { method: "POST", token: s.token })],
];

type Measured = WireCount & { status: number; webSockets: number };

async function measure(way: WayIn): Promise<Map<string, Measured>> {
  const { url } = await createTestDatabase();
  const target = new URL(url);
  const tap = await startWireTap({ host: target.hostname, port: Number(target.port) });
  afterWorkers(tap.close);
  const { worker, used, webSockets: relayed } = await way.connect(tap.url(url));
  // No metric rows: they are written after the response and would add one INSERT to every request.
  const call = startWorker({ ...worker, bindings: { ...worker.bindings, METRICS_SAMPLE_RATE: "0" } });
  const state: Record<string, string> = {};
  const measured = new Map<string, Measured>();
  let webSockets = 0;
  for (const [label, run] of FLOW) {
    await run(call, state);
    const count = await tap.take();
    const status = Number(call.calls.at(-1)?.split(" ").at(-1));
    // Only the Neon way's relay counts WebSockets; each is one more round trip (the HTTP upgrade).
    const opened = relayed?.() ?? 0;
    measured.set(label, { ...count, status, webSockets: opened - webSockets });
    webSockets = opened;
  }
  expect(used()).toBe(true);
  return measured;
}

describe("round trips per request in workerd", () => {
  it("each request opens one connection and pays its startup; Neon's driver and Hyperdrive speak the same protocol as node-postgres", async () => {
    const results = new Map<WayIn["key"], Map<string, Measured>>();
    for (const way of WAYS_IN) results.set(way.key, await measure(way));
    const of = (key: WayIn["key"], label: string) => results.get(key)?.get(label) as Measured;
    const rows = FLOW.map(([label]) => ({ label, p: of("pg", label), n: of("neon", label), h: of("hyperdrive", label) }));
    for (const { label, p, n, h } of rows) {
      expect([label, p.status < 400, n.status, h.status]).toEqual([label, true, p.status, p.status]);
      // One client per request, closed after it: one connection each, and its startup every time.
      expect([label, p.connections, n.connections, h.connections]).toEqual([label, 1, 1, 1]);
      expect(p.setupRoundTrips).toBeGreaterThan(0);
      expect(n.webSockets).toBe(1);
      // The same wire protocol: Neon's driver is a node-postgres fork, and Miniflare's Hyperdrive relays bytes.
      expect([label, n.roundTrips, n.statements, h.roundTrips, h.statements]).toEqual([label, p.roundTrips, p.statements, p.roundTrips, p.statements]);
    }

    const lines = [
      "| Request | Statements | Transactions | Round trips: node-postgres / Hyperdrive (connection setup) | Neon WebSocket pool | Neon HTTP mode |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows.map(({ label, p, n }) => {
        const http = p.transactions > 0 ? "not served (interactive transaction)" : String(p.statements);
        return `| \`${label}\` | ${p.statements} | ${p.transactions} | ${p.roundTrips} (${p.setupRoundTrips}) | ${n.roundTrips + n.webSockets} | ${http} |`;
      }),
    ];
    console.log(`Round trips per request in workerd (metrics off):\n${lines.join("\n")}`);
  });
});
