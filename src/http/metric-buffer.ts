import type { Db } from "../db/client.ts";
import { maskUrl } from "../env.ts";
import { writeMetrics, type RequestMetric } from "./metrics.ts";

/**
 * The Node sink: metrics wait in memory and go to the database in batches, one INSERT per batch,
 * when a batch is full and on a timer (unref'd, so it never keeps a process alive), and once more
 * on shutdown. Memory is bounded: while the database is down or slow, a failed batch is dropped
 * and past `maxBuffered` new metrics are dropped, both counted, instead of piling up.
 */
export interface MetricBufferOptions {
  /** Metrics per INSERT; a full batch is written at once. */
  batchSize?: number;
  /** How often a partial batch is written. */
  flushIntervalMs?: number;
  /** Metrics held at most while waiting for the database; past it new ones are dropped. */
  maxBuffered?: number;
  /** One line when writing starts failing, and one when it works again. */
  log?: (line: string) => void;
}

export interface MetricBufferStats {
  /** Waiting for the next batch. */
  buffered: number;
  written: number;
  /** Not written: the buffer was full, the database failed their batch, or maintenance was on. */
  dropped: number;
}

export interface MetricBuffer {
  /** The sink: never throws, never waits. */
  record(metric: RequestMetric): void;
  /** Writes everything buffered (stops at the first failed batch); never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and flushes what is left. */
  stop(): Promise<void>;
  stats(): MetricBufferStats;
}

export const METRIC_BUFFER_DEFAULTS = { batchSize: 200, flushIntervalMs: 5_000, maxBuffered: 10_000 } as const;

export function createMetricBuffer(db: Db, options: MetricBufferOptions = {}): MetricBuffer {
  const { batchSize, flushIntervalMs, maxBuffered } = { ...METRIC_BUFFER_DEFAULTS, ...options };
  const log = options.log ?? ((line: string) => console.error(line));
  const queue: RequestMetric[] = [];
  let written = 0;
  let dropped = 0;
  /** `dropped` at the last batch written: what was lost during an outage is the difference. */
  let droppedAtLastWrite = 0;
  let failing = false;
  let draining: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, batchSize);
      try {
        const count = await writeMetrics(db, batch);
        written += count;
        // While maintenance is on nothing is written: those are dropped too.
        dropped += batch.length - count;
        if (failing) {
          failing = false;
          log(`Request metrics are written again (${dropped - droppedAtLastWrite} dropped while the database did not take them).`);
        }
        droppedAtLastWrite = dropped;
      } catch (error) {
        dropped += batch.length;
        if (!failing) {
          failing = true;
          log(`Could not write request metrics, dropping them until the database takes them again: ${firstLine(error)}`);
        }
        // The rest waits for the next tick: a database that is down costs one attempt per tick.
        return;
      }
    }
  }

  function flush(): Promise<void> {
    draining ??= drain().finally(() => {
      draining = undefined;
    });
    return draining;
  }

  const timer = setInterval(() => void flush(), flushIntervalMs);
  timer.unref?.();

  return {
    record(metric) {
      if (queue.length >= maxBuffered) {
        dropped++;
        return;
      }
      queue.push(metric);
      if (queue.length >= batchSize && !draining) void flush();
    },
    flush,
    async stop() {
      clearInterval(timer);
      // A drain under way may stop at a failure or miss what came after it: one more pass.
      if (draining) await draining;
      await flush();
    },
    stats: () => ({ buffered: queue.length, written, dropped }),
  };
}

/** The error's first line, with any connection string in it masked: it goes to the console. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n")[0] ?? "").replace(/\b(?:postgres(?:ql)?|prisma(?:\+postgres)?):\/\/\S+/g, (url) => maskUrl(url));
}
