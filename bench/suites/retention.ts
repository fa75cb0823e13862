import { setTimeout as sleep } from "node:timers/promises";
import { createDb, dbOptions } from "../../src/db/client.ts";
import { sqlClientOf } from "../../src/db/sql-client.ts";
import { loadEnv } from "../../src/env.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { retentionJob } from "../../src/jobs/retention.ts";
import { runJob } from "../../src/jobs/runner.ts";
import { withConnection } from "../../src/ops/sql.ts";
import { loadMetrics } from "../dataset.ts";
import { figure, median, repeat, type Sample, type Target } from "../figures.ts";
import { rotate, type LoadResult } from "../load.ts";
import { startBackgroundLoad, type BackgroundLoadSpec } from "../ops/background-load.ts";
import { copyDatabase, dropDatabase } from "../ops/database-copy.ts";
import { startNodeServer } from "../servers/server-process.ts";
import type { Suite } from "../suite.ts";

/**
 * Item 5: the retention job deleting every expired metric row (1,000,000; quick: 100,000) as
 * production runs it: runJob over the app's Prisma client (what npm start's scheduler hands it),
 * the default configuration (batch size, cutoffs), only the time budget lifted so one run does
 * it all. Meanwhile the read path (a page of 50 notes, authenticated) is loaded on our Node
 * server at a modest concurrency; the same load for the same time with no cleanup is the idle
 * reference. It works on a copy of the data set, whose metrics are loaded again for each run.
 */
const COPY = "bench_retention";
const PAGE = "/api/v1/notes?limit=50";
const CONNECTIONS = 8;
/** The read load offered: this share of what the server answers flat out at CONNECTIONS. */
const LOAD_SHARE = 0.5;
/** Far more than the cleanup takes: the run must not stop part-way (`partial`). */
const BUDGET_MS = 10 * 60_000;

const ROWS_PER_SECOND: Target = { of: "value", bound: "min", limit: 100_000 };
const LONGEST_BATCH: Target = { of: "value", bound: "max", limit: 250 };
const P99_DURING: Target = { of: "ratio", bound: "max", limit: 1.5 };

export const retentionSuite: Suite = {
  name: "retention",
  async run(ctx) {
    const expired = ctx.dataset.sizes.metrics;
    const url = await copyDatabase(ctx.server, ctx.dataset.database, COPY);
    const config = loadEnv({ APP_ENV: "production", DATABASE_URL: url, DIRECT_URL: url });
    const db = createDb(PrismaClient, dbOptions(config, url));
    const server = await startNodeServer(url);
    try {
      const token = rotate(ctx.dataset.users.map((u) => u.token));
      let spec: BackgroundLoadSpec = { url: server.url, connections: CONNECTIONS, next: () => ({ path: PAGE, token: token() }), expect: 200 };
      const loadFor = async (ms: number) => {
        const load = startBackgroundLoad(spec);
        await sleep(ms);
        return load.stop();
      };
      const cleanUp = async () => {
        const load = startBackgroundLoad(spec);
        const began = performance.now();
        const run = await runJob(retentionJob, { sql: sqlClientOf(db), config, log: () => {} }, { trigger: "cli", budgetMs: BUDGET_MS });
        const ms = performance.now() - began;
        return { run, ms, load: await load.stop() };
      };
      // JIT, the server's pool and caches warm before anything counts; and what the server answers flat out.
      const capacity = (await loadFor(3_000)).requestsPerSecond;
      // On 2 cores a flat-out load takes every cycle, so any other work (the cleanup) would double
      // its latency whatever the cleanup does. A steady offered rate, the same during and idle,
      // measures what the cleanup does to the read path: its locks, its I/O, its share of the CPU.
      const rate = Math.max(CONNECTIONS, Math.round(capacity * LOAD_SHARE));
      spec = { ...spec, rate };

      let lastJobMs = 0;
      const samples = await repeat(runsOf(ctx), async (run) => {
        if (run > 0) await reloadMetrics(url, expired);
        await assertExpired(url, expired, config.RETENTION_METRIC_DAYS);
        // Alternating: the idle reference before the cleanup in odd runs (as long as the last one took), after it in even ones.
        let idle: LoadResult | undefined;
        if (run % 2 === 1) idle = await loadFor(lastJobMs);
        const job = await cleanUp();
        const deleted = Object.values(job.run.rows ?? {}).reduce((a, b) => a + b, 0);
        if (job.run.outcome !== "succeeded" || (job.run.rows?.PerformanceMetric ?? 0) !== expired) {
          throw new Error(`retention run ${run + 1} ended ${job.run.outcome} with ${JSON.stringify(job.run.rows)} (expected ${expired} metrics): ${job.run.error ?? ""}`);
        }
        lastJobMs = job.ms;
        // What autovacuum would do next, done now, so it does not run during the idle reference.
        await vacuumMetrics(url);
        idle ??= await loadFor(job.ms);
        const longest = Number(job.run.detail?.longestBatchMs);
        const batches = Number(job.run.detail?.batches);
        ctx.log(
          `  retention run ${run + 1}: ${deleted} rows in ${(job.ms / 1000).toFixed(2)} s, ${batches} batches, longest ${longest} ms; ` +
            `read p99 ${job.load.p99Ms} ms during vs ${idle.p99Ms} ms idle (${job.load.requestsPerSecond.toFixed(0)} vs ${idle.requestsPerSecond.toFixed(0)} req/s)`,
        );
        return {
          rowsPerSecond: { ours: deleted / (job.ms / 1000) },
          longestBatch: { ours: longest },
          batches: { ours: batches },
          p99: { ours: job.load.p99Ms, raw: idle.p99Ms },
          p50: { ours: job.load.p50Ms, raw: idle.p50Ms },
          throughput: { ours: job.load.requestsPerSecond, raw: idle.requestsPerSecond },
        } satisfies Record<string, Sample>;
      });
      const get = (name: string) => samples.get(name) ?? [];
      const batches = median(get("batches").map((s) => s.ours));
      const readNote =
        `"ours" is the read path during the cleanup, "raw" the same load for the same time with no cleanup: GET ${PAGE} on our Node server, ` +
        `${CONNECTIONS} connections offering ${rate} req/s (half of the ${capacity.toFixed(0)} req/s it answered flat out at warm-up).`;
      return [
        figure("retention rows/s", "rows/s", get("rowsPerSecond"), ROWS_PER_SECOND, `${expired} expired metric rows deleted by runJob(retention) with the default batch size (${config.RETENTION_BATCH_SIZE}): ${batches} batches, rows over the run's wall time.`),
        figure("retention longest batch", "ms", get("longestBatch"), LONGEST_BATCH, "The job's own detail.longestBatchMs: the slowest single DELETE batch."),
        figure("retention read p99 during cleanup", "ms", get("p99"), P99_DURING, readNote),
        figure("retention read p50 during cleanup", "ms", get("p50"), undefined, readNote),
        figure("retention read throughput during cleanup", "req/s", get("throughput"), undefined, `${readNote} Below the offered rate, the server fell behind.`),
      ];
    } finally {
      await server.stop();
      await db.$disconnect().catch(() => {});
      await dropDatabase(ctx.server, COPY);
    }
  },
};

/** A run reloads and deletes every metric (~45 s in full): three are enough for a median inside the bench's 15 minutes. */
const runsOf = (ctx: { runs: number }) => Math.min(ctx.runs, 3);

async function reloadMetrics(url: string, count: number) {
  await withConnection(url, async (db) => {
    await loadMetrics(db, count);
    await db.query(`VACUUM (ANALYZE) "PerformanceMetric"`);
  });
}

async function vacuumMetrics(url: string) {
  await withConnection(url, (db) => db.query(`VACUUM (ANALYZE) "PerformanceMetric"`));
}

/** Each run deletes exactly the loaded rows, all past the default cutoff (RETENTION_METRIC_DAYS). */
async function assertExpired(url: string, expected: number, days: number) {
  const found = await withConnection(url, async (db) => {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "PerformanceMetric" WHERE "timestamp" < now() - make_interval(days => $1)`, [days]);
    return rows[0]?.n ?? 0;
  });
  if (found !== expected) throw new Error(`the retention copy holds ${found} expired metric rows, not ${expected}`);
}
