import { createServer, type Socket } from "node:net";
import { describe, expect, inject, it, vi } from "vitest";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { startNeonWsProxy } from "../support/neon-ws-proxy.ts";
import { startPgBouncer } from "../support/pgbouncer.ts";
import { afterWorkers, startWorker } from "./workerd.ts";

/**
 * The Worker's configuration in workerd: which database it takes (the Hyperdrive binding or
 * DATABASE_URL), its limits, and what it answers when the database or its configuration is wrong.
 * The API's flows are flows.test.ts, the crons crons.test.ts.
 */
const unreachable = async () => `postgresql://postgres:postgres@127.0.0.1:${await freePort()}/none`;

/**
 * A database that accepts connections and never answers, as a frozen server does. Miniflare's
 * local Hyperdrive (4.20260426) dials the database with no error listener, so a refused
 * connection would crash the test process instead of reaching the Worker: Hyperdrive's
 * unreachable database is this one.
 */
async function frozenDatabase(): Promise<string> {
  const held: Socket[] = [];
  // What the client sends is read and dropped, so closing sends a FIN, not a reset.
  const server = createServer((socket) => void held.push(socket.resume()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterWorkers(() => new Promise((resolve) => {
    for (const socket of held) socket.destroy();
    server.close(resolve);
  }));
  return `postgresql://postgres:postgres@127.0.0.1:${(server.address() as { port: number }).port}/none`;
}

describe("the Worker's database: Hyperdrive or DATABASE_URL", () => {
  it("takes the Hyperdrive binding over DATABASE_URL", async () => {
    const { url } = await createTestDatabase();
    const call = startWorker({ hyperdrives: { HYPERDRIVE: url }, bindings: { DATABASE_URL: await unreachable(), DB_CONNECT_TIMEOUT_MS: "1000" } });
    expect((await call("/health/ready")).body).toMatchObject({ status: "ok", database: "up" });
    expect((await call("/api/v1/auth/signup", { method: "POST", body: { email: "hd@example.com", password: "password-123" } })).status).toBe(201);
  });

  it("takes DATABASE_URL when DATABASE_DRIVER asks for Neon's driver, even with the binding", async () => {
    const relay = await startNeonWsProxy();
    afterWorkers(relay.close);
    const { url } = await createTestDatabase();
    const call = startWorker({ hyperdrives: { HYPERDRIVE: await frozenDatabase() }, bindings: { DATABASE_URL: url, DATABASE_DRIVER: "neon", NEON_WS_PROXY: relay.address } });
    expect((await call("/health/ready")).status).toBe(200);
    expect(relay.connections()).toBeGreaterThan(0);
  });

  it("sends no session settings through Hyperdrive, a transaction-mode pooler: behind PgBouncer, which refuses them, the API works", async () => {
    const { name } = await createTestDatabase();
    const server = new URL(inject("pg").adminUrl);
    const bouncer = await startPgBouncer({ port: Number(server.port), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
    afterWorkers(bouncer.stop);
    // The binding's URL as Hyperdrive's dashboard would take it: no pgbouncer=true; the Worker knows Hyperdrive pools.
    const call = startWorker({ hyperdrives: { HYPERDRIVE: bouncer.url(name).replace("?pgbouncer=true", "") } });
    const signup = await call("/api/v1/auth/signup", { method: "POST", body: { email: "pooled@example.com", password: "password-123" } });
    expect(signup.status).toBe(201);
    const note = await call("/api/v1/notes", { method: "POST", token: signup.body.token, body: { title: "through the pool" } });
    expect(note.status).toBe(201);
    expect((await call("/api/v1/notes", { token: signup.body.token })).body.items.map((n: { title: string }) => n.title)).toEqual(["through the pool"]);
  });

  it("answers 503 JSON when Hyperdrive's database does not answer", async () => {
    const call = startWorker({ hyperdrives: { HYPERDRIVE: await frozenDatabase() }, bindings: { DB_CONNECT_TIMEOUT_MS: "1000" } });
    const ready = await call("/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe("DATABASE_UNAVAILABLE");
  });

  it("answers 503 JSON when DATABASE_URL's database is unreachable", async () => {
    const call = startWorker({ bindings: { DATABASE_URL: await unreachable(), DB_CONNECT_TIMEOUT_MS: "1000" } });
    const ready = await call("/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe("DATABASE_UNAVAILABLE");
    const notes = await call("/api/v1/notes", { token: "A".repeat(43) });
    expect(notes.status).toBe(503);
  });

  it("refuses to run with neither, naming both", async () => {
    const call = startWorker({});
    const res = await call("/api/v1/notes");
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: "MISCONFIGURED", message: expect.stringMatching(/HYPERDRIVE.*DATABASE_URL/) });
  });

  it("refuses invalid configuration, naming the variable", async () => {
    const call = startWorker({ bindings: { DATABASE_URL: "mysql://nope" } });
    const res = await call("/health");
    expect(res.status).toBe(500);
    expect(res.body.error.message).toContain("DATABASE_URL");
  });
});

describe("the Worker's limits", () => {
  it("limits logins through Cloudflare's Rate Limiting binding, and refuses an oversized body with 413 JSON", async () => {
    const { url } = await createTestDatabase();
    const call = startWorker({
      bindings: { DATABASE_URL: url, MAX_BODY_BYTES: "2048" },
      ratelimits: { AUTH_ACCOUNT_LIMITER: { simple: { limit: 2, period: 60 } }, AUTH_ADDRESS_LIMITER: { simple: { limit: 100, period: 60 } } },
    });
    const signup = await call("/api/v1/auth/signup", { method: "POST", body: { email: "limited@example.com", password: "password-123" } });
    expect(signup.status).toBe(201);
    const attempt = () => call("/api/v1/auth/login", { method: "POST", body: { email: "limited@example.com", password: "wrong-password" }, headers: { "cf-connecting-ip": "198.51.100.4" } });
    const statuses = [(await attempt()).status, (await attempt()).status];
    expect(statuses).toEqual([401, 401]);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.headers.get("retry-after")).toBe("60");

    const big = await call("/api/v1/auth/signup", { method: "POST", body: { email: "big@example.com", password: "x".repeat(4_000) } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("the Worker's cron triggers, beyond production's", () => {
  it("passes over a job it cannot run and runs the others; a cron no job has runs nothing", async () => {
    const { url } = await createTestDatabase();
    const sql = await openConnection(url);
    // pitr-check needs a recovery provider, which a Worker does not have: scheduled beside retention, it is logged, not thrown.
    const { mf } = startWorker({ bindings: { DATABASE_URL: url, JOB_SCHEDULES: "pitr-check=15 * * * *" } });
    const worker = await mf.getWorker();

    expect((await worker.scheduled({ cron: "15 * * * *", scheduledTime: new Date() })).outcome).toBe("ok");
    const runs = async () => (await sql.query<{ job: string; outcome: string | null }>(`SELECT job, outcome::text AS outcome FROM "JobRun"`)).rows;
    await vi.waitFor(async () => expect((await runs())[0]?.outcome).toBeTruthy(), { timeout: 10_000, interval: 100 });
    expect(await runs()).toEqual([{ job: "retention", outcome: "succeeded" }]);

    expect((await worker.scheduled({ cron: "0 0 1 1 *", scheduledTime: new Date() })).outcome).toBe("ok");
    expect(await runs()).toHaveLength(1);
  });

  it("fails a trigger with no database, saying so", async () => {
    const { mf } = startWorker({});
    const worker = await mf.getWorker();
    expect((await worker.scheduled({ cron: "15 * * * *", scheduledTime: new Date() })).outcome).toBe("exception");
  });
});
