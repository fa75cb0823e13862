import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import { freePort, startEmbeddedPostgres } from "../src/ops/embedded/postgres.ts";
import { loadDataset, QUICK } from "./dataset.ts";
import { load, rotate } from "./load.ts";
import { startNodeServer, startRawServer } from "./servers/server-process.ts";

/**
 * `npm run bench:profile [-- --seconds 10 --connections 32 --top 25 --raw --write --keep]`: the read path's
 * CPU profile in its steady state (--raw: the floor's). Serves the API (`src/node.ts`) with the
 * inspector on, over the quick data set; warms it up, then records a profile over the DevTools
 * protocol while it serves the page of 50 notes, and prints where the server's CPU went: self time
 * by package (or our own source folder) and by function. `--keep` writes the .cpuprofile for
 * Chrome's DevTools. Start-up (module loading, the first compiles) is left out on purpose.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg> (scoped too), src/<folder>, node: internals, or what V8 calls it. */
function placeOf(url: string): string {
  if (!url) return "(native, GC, idle)";
  if (url.startsWith("node:")) return "node internals";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const ours = /\/(src\/(?:generated\/[^/]+|[^/]+))/.exec(url);
  if (ours) return ours[1] as string;
  return url.replace(/^file:\/\//, "");
}

/** The DevTools protocol on the server's inspector port: one call at a time is all this needs. */
async function openInspector(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(targets[0]?.webSocketDebuggerUrl ?? "");
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  return {
    send: (method: string) =>
      new Promise<unknown>((resolve) => {
        pending.set(++id, resolve);
        socket.send(JSON.stringify({ id, method }));
      }),
    close: () => socket.close(),
  };
}

export function summarize(profile: Profile, top: number, requests: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = (byId.get(id) as Node).callFrame;
    if (frame.functionName === "(idle)") continue;
    const place = placeOf(frame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const fn = `${frame.functionName || "(anonymous)"} ${place}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const busy = [...byPlace.values()].reduce((a, b) => a + b, 0);
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / requests).toFixed(0).padStart(5)} µs/req  ${name}`)
      .join("\n");
  return `busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms profiled: ${(busy / requests).toFixed(0)} µs of CPU per request\n\nself time by place:\n${rows(byPlace)}\n\nself time by function:\n${rows(byFunction)}\n`;
}

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, connections: { type: "string", default: "32" }, top: { type: "string", default: "25" }, keep: { type: "boolean", default: false }, raw: { type: "boolean", default: false }, write: { type: "boolean", default: false } } });
  const workDir = mkdtempSync(join(tmpdir(), "bench-profile-"));
  chmodSync(workDir, 0o777);
  const server = await startEmbeddedPostgres({ dataDir: join(workDir, "pg"), persistent: false });
  try {
    const dataset = await loadDataset(server, "bench", QUICK);
    const inspectPort = await freePort();
    const api = await (values.raw ? startRawServer : startNodeServer)(dataset.url, {}, [`--inspect=127.0.0.1:${inspectPort}`]);
    const token = rotate(dataset.users.map((u) => u.token));
    // --write profiles the write path instead: creating a note (no project), the same body each time.
    const request = values.write
      ? { method: "POST" as const, expect: 201, next: () => ({ path: "/api/v1/notes", token: token(), body: { title: "profiled", content: "a note written under the profiler" } }) }
      : { expect: 200, next: () => ({ path: "/api/v1/notes?limit=50", token: token() }) };
    const spec = { url: api.url, connections: Number(values.connections), seconds: Number(values.seconds), ...request };
    let profile: Profile;
    try {
      await load({ ...spec, seconds: 3 });
      const inspector = await openInspector(inspectPort);
      try {
        await inspector.send("Profiler.enable");
        await inspector.send("Profiler.start");
        const result = await load(spec);
        profile = ((await inspector.send("Profiler.stop")) as { profile: Profile }).profile;
        process.stdout.write(`${result.requestsPerSecond.toFixed(0)} req/s, ${(result.requests / (result.requestsPerSecond || 1)).toFixed(1)} s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; ${result.requests} requests\n`);
        process.stdout.write(summarize(profile, Number(values.top), result.requests));
      } finally {
        inspector.close();
      }
    } finally {
      await api.stop();
    }
    if (values.keep) {
      const file = join(process.cwd(), `${values.raw ? "raw" : "ours"}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      process.stdout.write(`profile: ${file}\n`);
    }
  } finally {
    await server.stop().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}

// Run as the script (npm run bench:profile), not when imported for `summarize`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  });
}
