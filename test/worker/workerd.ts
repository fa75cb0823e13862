import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll } from "vitest";
import { startNeonWsProxy } from "../support/neon-ws-proxy.ts";

/**
 * The Worker as Cloudflare would run it: wrangler bundles src/worker.ts exactly as `wrangler
 * deploy` does (once per test file), and workerd, through Miniflare, runs the bundle against the
 * test's real PostgreSQL. Miniflares and relays started here stop when the file's tests end.
 */
let outdir: string | undefined;
const disposers: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "worker-bundle-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
    stdio: "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
}, 120_000);

afterAll(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose().catch(() => {});
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** Runs after the file's Miniflares are disposed (a relay, a pooler): nothing is cut from under workerd. */
export function afterWorkers(stop: () => Promise<unknown>): void {
  disposers.unshift(stop);
}

/** What a test may give the Worker beyond its script: vars and secrets, Hyperdrive, rate limits (Miniflare's options of those names). */
export interface WorkerBindings {
  bindings?: Record<string, string>;
  hyperdrives?: Record<string, string>;
  ratelimits?: Record<string, { simple: { limit: number; period: 10 | 60 } }>;
}

export interface WorkerCall {
  (path: string, init?: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  mf: Miniflare;
  /** Each request made so far, as "METHOD /path STATUS". */
  calls: string[];
}

export function startWorker({ bindings, ...options }: WorkerBindings = {}): WorkerCall {
  if (!outdir) throw new Error("startWorker runs inside a test: the bundle is built in beforeAll");
  const mf = new Miniflare({
    ...options,
    modules: true,
    scriptPath: join(outdir, "worker.js"),
    modulesRoot: outdir,
    modulesRules: [
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "ESModule", include: ["**/*.js"] },
    ],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    bindings: { APP_ENV: "test", PBKDF2_ITERATIONS: "10000", ...bindings },
  });
  disposers.push(() => mf.dispose());
  const calls: string[] = [];
  const call = async (path: string, init: Parameters<WorkerCall>[1] = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await mf.dispatchFetch(`http://worker.test${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    calls.push(`${init.method ?? "GET"} ${path} ${res.status}`);
    return { status: res.status, headers: res.headers as unknown as Headers, body: text ? JSON.parse(text) : null };
  };
  return Object.assign(call, { mf, calls });
}

/**
 * The three ways a Worker reaches PostgreSQL: node-postgres over Workers' TCP sockets
 * (DATABASE_URL), Neon's serverless driver over WebSockets through a wsproxy-compatible relay
 * (what Neon's proxy does in production), and a Hyperdrive binding (Miniflare's local Hyperdrive
 * forwards to the URL given, as `wrangler dev`'s localConnectionString does).
 */
export interface WayIn {
  key: "pg" | "neon" | "hyperdrive";
  name: string;
  /**
   * The Worker's bindings for a database at `url`; `used()` tells the traffic really went this
   * way, `webSockets()` (Neon's driver) how many WebSockets the relay has opened so far.
   */
  connect(url: string): Promise<{ worker: WorkerBindings; used: () => boolean; webSockets?: () => number }>;
}

export const WAYS_IN: WayIn[] = [
  {
    key: "pg",
    name: "node-postgres (DATABASE_URL)",
    connect: async (url) => ({ worker: { bindings: { DATABASE_URL: url } }, used: () => true }),
  },
  {
    key: "neon",
    name: "Neon's serverless driver (WebSockets through the relay)",
    async connect(url) {
      const relay = await startNeonWsProxy();
      afterWorkers(relay.close);
      return { worker: { bindings: { DATABASE_URL: url, DATABASE_DRIVER: "neon", NEON_WS_PROXY: relay.address } }, used: () => relay.connections() > 0, webSockets: relay.connections };
    },
  },
  {
    key: "hyperdrive",
    name: "Hyperdrive (binding, no DATABASE_URL)",
    connect: async (url) => ({ worker: { hyperdrives: { HYPERDRIVE: url } }, used: () => true }),
  },
];
