import autocannon from "autocannon";
import { Agent, request } from "node:http";
import { median } from "./figures.ts";

/**
 * HTTP load from autocannon, reduced to what the figures read. Requests per second count only
 * the answers with the expected status, over the run's real duration; a run with any other
 * answer is an error, not a figure (a benchmark of 401s measures nothing).
 */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds of load. */
  seconds: number;
  method?: "GET" | "POST" | "DELETE";
  /** The next request's path, headers and body: called once per request, so requests can rotate users and ids. */
  next: () => { path: string; token: string; body?: unknown };
  /** The status every answer must have. */
  expect: number;
}

/**
 * autocannon's latency histogram counts whole milliseconds, too coarse for one request at a time
 * (a 4 ms answer is 4 or 5): at concurrency 1 the requests go one after another over one
 * keep-alive connection here, each timed to the microsecond.
 */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  return spec.connections === 1 ? sequential(spec) : concurrent(spec);
}

async function sequential(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(spec.url);
  const times: number[] = [];
  const began = performance.now();
  const until = began + spec.seconds * 1000;
  try {
    while (performance.now() < until) {
      const { path, token, body } = spec.next();
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const started = performance.now();
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          { agent, host: base.hostname, port: base.port, path, method: spec.method ?? "GET", headers: { authorization: `Bearer ${token}`, ...(payload !== undefined && { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(payload);
      });
      times.push(performance.now() - started);
      if (answer.status !== spec.expect) throw new Error(`load on ${spec.url}${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    }
  } finally {
    agent.destroy();
  }
  const sorted = times.sort((a, b) => a - b);
  return {
    requestsPerSecond: times.length / ((performance.now() - began) / 1000),
    p50Ms: median(sorted),
    p99Ms: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN,
    requests: times.length,
  };
}

async function concurrent(spec: LoadSpec): Promise<LoadResult> {
  const unexpected = new Map<number, string>();
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    method: spec.method ?? "GET",
    requests: [
      {
        setupRequest: (request) => {
          const { path, token, body } = spec.next();
          return {
            ...request,
            path,
            headers: { ...request.headers, authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
            ...(body !== undefined && { body: JSON.stringify(body) }),
          };
        },
        onResponse: (status, body) => {
          if (status !== spec.expect && unexpected.size < 3) unexpected.set(status, body.slice(0, 300));
        },
      },
    ],
  });
  if (unexpected.size > 0 || result.errors > 0) {
    const answers = [...unexpected].map(([status, body]) => `${status}: ${body}`).join("; ");
    throw new Error(`load on ${spec.url} got ${result.errors} connection errors and unexpected answers (${answers || "none"})`);
  }
  const ok = spec.expect >= 200 && spec.expect < 300 ? result["2xx"] : result.requests.total;
  return { requestsPerSecond: ok / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, requests: ok };
}

/** Round robin over a list: each call answers the next item. */
export function rotate<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error("rotate: no items");
  let i = 0;
  return () => items[i++ % items.length] as T;
}
