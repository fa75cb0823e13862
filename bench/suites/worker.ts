import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { withConnection } from "../../src/ops/sql.ts";
import { figure, repeat, type Sample, type Target } from "../figures.ts";
import { load, rotate, type LoadResult } from "../load.ts";
import type { BenchContext, Suite } from "../suite.ts";
import { bundleWorker, startWorkerd, writeEmptyWorker, type RunningWorker, type WorkerScript } from "../worker/workerd.ts";

/**
 * Item 3: the read path (a page of 50 notes with project names, authenticated, users rotating)
 * inside workerd through Miniflare: our Worker (src/worker.ts bundled by wrangler as deployed,
 * node-postgres over Workers' TCP sockets, production settings, a metric row per request as
 * production writes it) beside the floor Worker (bench/worker/raw-worker.ts: raw-app.ts over a
 * pg.Client per request). Both open a connection per request, as a Worker must.
 *
 * The load is HTTP to workerd's own socket (bench/load.ts: one keep-alive connection timed to the
 * microsecond at c=1, autocannon above), not Miniflare's dispatchFetch, which would add its
 * Node-side request and response copying to every figure; the HTTP client is the same as the
 * Node suite's, so its cost is the same small constant on both sides.
 *
 * Each run starts each Worker afresh, so its first request is a cold start: from `new Miniflare`
 * to workerd listening (the process, and the script compiled and evaluated: our bundle carries
 * Prisma's query compiler as a 1.7 MB WASM module), then to the first answered page.
 */
const PAGE = "/api/v1/notes?limit=50";
/**
 * 8 at once: workerd runs a Worker's requests on one thread and every request waits on its own
 * connection's startup, so 8 already keeps that thread busy on this 2-core machine (PostgreSQL
 * forks a backend per connection on the other core); 32, as on Node, only queues behind it and
 * opens more backends than the machine has cores for.
 */
const CONCURRENCY = 8;
const THROUGHPUT: Target = { of: "ratio", bound: "min", limit: 0.9 };
const P99: Target = { of: "ratio", bound: "max", limit: 1.3 };
const P50: Target = { of: "ratio", bound: "max", limit: 1.3 };
const CARRIED = "the Node read path's target, carried over: both Workers pay the same connection per request";

type Side = "ours" | "raw";

/** What one fresh Worker answered in one run. */
interface Measured {
  readyMs: number;
  firstAnswerMs: number;
  c1: LoadResult;
  cN: LoadResult;
}

export const workerSuite: Suite = {
  name: "worker",
  async run(ctx) {
    const scripts = await buildScripts(ctx);
    const token = rotate(ctx.dataset.users.map((u) => u.token));
    const seconds = ctx.quick ? 2 : 3;
    const measureSide = async (side: Side): Promise<Measured> => {
      const began = performance.now();
      const worker = await startWorkerd(scripts[side]);
      try {
        await firstPage(worker, token());
        const firstAnswerMs = performance.now() - began;
        // The isolate's JIT warms before anything counts (the cold start was counted above).
        await load({ url: worker.url, connections: CONCURRENCY, seconds: ctx.quick ? 0.5 : 1, next: () => ({ path: PAGE, token: token() }), expect: 200 });
        const c1 = await load({ url: worker.url, connections: 1, seconds, next: () => ({ path: PAGE, token: token() }), expect: 200 });
        const cN = await load({ url: worker.url, connections: CONCURRENCY, seconds, next: () => ({ path: PAGE, token: token() }), expect: 200 });
        return { readyMs: worker.readyMs, firstAnswerMs, c1, cN };
      } finally {
        await worker.dispose();
      }
    };
    try {
      const samples = await repeat(ctx.runs, async (run) => {
        const order: Side[] = run % 2 === 0 ? ["ours", "raw"] : ["raw", "ours"];
        const out = {} as Record<Side, Measured>;
        for (const side of order) out[side] = await measureSide(side);
        const empty = await startWorkerd(scripts.empty);
        await empty.dispose();
        const { ours, raw } = out;
        ctx.log(`  worker run ${run + 1}: c=${CONCURRENCY} ${ours.cN.requestsPerSecond.toFixed(0)} vs ${raw.cN.requestsPerSecond.toFixed(0)} req/s; c=1 p50 ${ours.c1.p50Ms.toFixed(1)} vs ${raw.c1.p50Ms.toFixed(1)} ms; first answer ${ours.firstAnswerMs.toFixed(0)} vs ${raw.firstAnswerMs.toFixed(0)} ms (empty Worker ready in ${empty.readyMs.toFixed(0)} ms)`);
        const pair = (read: (m: Measured) => number): Sample => ({ ours: read(ours), raw: read(raw) });
        return {
          [`worker read c=${CONCURRENCY} throughput`]: pair((m) => m.cN.requestsPerSecond),
          [`worker read c=${CONCURRENCY} p50`]: pair((m) => m.cN.p50Ms),
          [`worker read c=${CONCURRENCY} p99`]: pair((m) => m.cN.p99Ms),
          "worker read c=1 throughput": pair((m) => m.c1.requestsPerSecond),
          "worker read c=1 p50": pair((m) => m.c1.p50Ms),
          "worker read c=1 p99": pair((m) => m.c1.p99Ms),
          "worker cold start to first answer": pair((m) => m.firstAnswerMs),
          "worker startup until listening": pair((m) => m.readyMs),
          // What the script adds to workerd's own start: an empty Worker's start measured in the same run.
          "worker script compile + evaluation": { ours: Math.max(0, ours.readyMs - empty.readyMs), raw: Math.max(0, raw.readyMs - empty.readyMs) },
          "worker first request after listening": pair((m) => m.firstAnswerMs - m.readyMs),
        };
      });
      const get = (name: string) => samples.get(name) ?? [];
      const n = CONCURRENCY;
      return [
        figure(`worker read c=${n} throughput`, "req/s", get(`worker read c=${n} throughput`), THROUGHPUT, CARRIED),
        figure(`worker read c=${n} p50`, "ms", get(`worker read c=${n} p50`)),
        figure(`worker read c=${n} p99`, "ms", get(`worker read c=${n} p99`), P99, CARRIED),
        figure("worker read c=1 throughput", "req/s", get("worker read c=1 throughput")),
        figure("worker read c=1 p50", "ms", get("worker read c=1 p50"), P50, CARRIED),
        figure("worker read c=1 p99", "ms", get("worker read c=1 p99")),
        figure("worker cold start to first answer", "ms", get("worker cold start to first answer"), undefined, "from a fresh Miniflare (a new workerd process) to the first page answered; no target given"),
        figure("worker startup until listening", "ms", get("worker startup until listening"), undefined, "from a fresh Miniflare to workerd listening: its process start and the script's compilation and evaluation"),
        figure("worker script compile + evaluation", "ms", get("worker script compile + evaluation"), undefined, "startup until listening less an empty Worker's, measured in the same run: an estimate (workerd's clock does not advance inside a script's evaluation)"),
        figure("worker first request after listening", "ms", get("worker first request after listening"), undefined, "the cold first request: its connection, and on our side the Prisma Client's first construction and query compilation"),
      ];
    } finally {
      await removeMetrics(ctx);
    }
  },
};

/** Both Workers bundled by wrangler as they deploy, and the empty Worker that measures workerd's own start. */
async function buildScripts(ctx: BenchContext): Promise<Record<Side | "empty", WorkerScript>> {
  const dirs = { ours: join(ctx.workDir, "worker-ours"), raw: join(ctx.workDir, "worker-raw"), empty: join(ctx.workDir, "worker-empty") };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  ctx.log("  bundling src/worker.ts and bench/worker/raw-worker.ts (wrangler deploy --dry-run) ...");
  await Promise.all([bundleWorker(dirs.ours), bundleWorker(dirs.raw, "bench/worker/raw.wrangler.toml")]);
  const url = ctx.dataset.url;
  return {
    // wrangler.toml's production [vars] and rate limits; DATABASE_URL as the secret would be; METRICS_SAMPLE_RATE left at production's default.
    ours: {
      outdir: dirs.ours,
      main: "worker.js",
      bindings: { APP_ENV: "production", DATABASE_DRIVER: "auto", DATABASE_URL: url },
      ratelimits: { AUTH_ACCOUNT_LIMITER: { simple: { limit: 10, period: 60 } }, AUTH_ADDRESS_LIMITER: { simple: { limit: 30, period: 60 } } },
    },
    raw: { outdir: dirs.raw, main: "raw-worker.js", bindings: { DATABASE_URL: url } },
    empty: writeEmptyWorker(dirs.empty),
  };
}

async function firstPage(worker: RunningWorker, token: string): Promise<void> {
  const res = await fetch(`${worker.url}${PAGE}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the Worker's first page answered ${res.status}: ${text.slice(0, 300)}`);
}

/** The metric rows our Worker wrote go again, so the suites after this one see the data set as loaded. */
async function removeMetrics(ctx: BenchContext): Promise<void> {
  await withConnection(ctx.dataset.url, (db) => db.query(`DELETE FROM "PerformanceMetric" WHERE id NOT LIKE 'bench-metric-%'`));
}
