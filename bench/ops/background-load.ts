import autocannon from "autocannon";
import type { LoadResult } from "../load.ts";

/**
 * HTTP load that runs until it is stopped rather than for a fixed time: the retention suite
 * loads the read path for exactly as long as the cleanup runs, then idle for the same time.
 * Like bench/load.ts, a run with any answer but the expected one is an error, not a figure.
 */
export interface BackgroundLoadSpec {
  url: string;
  connections: number;
  /** The next request's path and bearer token: called once per request, so requests rotate users. */
  next: () => { path: string; token: string };
  expect: number;
  /** Requests per second offered across all connections; unset: as fast as the server answers. */
  rate?: number;
}

export interface BackgroundLoad {
  /** Ends the load (within one sample interval) and answers what it measured. */
  stop(): Promise<LoadResult>;
}

/** autocannon checks its stop flag once per sample interval: short, so the load ends close to stop(). */
const SAMPLE_INTERVAL_MS = 100;
/** Longer than any run: the load ends when stop() is called, never by itself. */
const LONGEST_SECONDS = 3_600;

export function startBackgroundLoad(spec: BackgroundLoadSpec): BackgroundLoad {
  const unexpected = new Map<number, string>();
  let finished!: (result: autocannon.Result) => void;
  let failed!: (error: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      duration: LONGEST_SECONDS,
      sampleInt: SAMPLE_INTERVAL_MS,
      ...(spec.rate !== undefined && { overallRate: spec.rate }),
      requests: [
        {
          setupRequest: (request) => {
            const { path, token } = spec.next();
            return { ...request, path, headers: { ...request.headers, authorization: `Bearer ${token}` } };
          },
          onResponse: (status, body) => {
            if (status !== spec.expect && unexpected.size < 3) unexpected.set(status, body.slice(0, 300));
          },
        },
      ],
    },
    (error, result) => (error ? failed(error as Error) : finished(result)),
  );
  return {
    async stop() {
      instance.stop();
      const result = await done;
      if (unexpected.size > 0 || result.errors > 0) {
        const answers = [...unexpected].map(([status, body]) => `${status}: ${body}`).join("; ");
        throw new Error(`load on ${spec.url} got ${result.errors} connection errors and unexpected answers (${answers || "none"})`);
      }
      const ok = spec.expect >= 200 && spec.expect < 300 ? result["2xx"] : result.requests.total;
      return { requestsPerSecond: ok / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, requests: ok };
    },
  };
}
