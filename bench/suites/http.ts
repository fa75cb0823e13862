import { withConnection } from "../../src/ops/sql.ts";
import type { Dataset } from "../dataset.ts";
import { measureFigures, type Sample, type Target } from "../figures.ts";
import { load, rotate, type LoadResult, type LoadSpec } from "../load.ts";
import { startNodeServer, startRawServer } from "../servers/server-process.ts";
import type { BenchContext, Suite } from "../suite.ts";

/**
 * Items 1 and 2: the read path (a page of 50 notes with project names, authenticated) and the
 * write path (create a note in a project, soft-delete a note) on the Node server (`src/node.ts`,
 * production settings) beside the floor (bench/servers/raw-server.ts), each in a process of its
 * own, loaded by autocannon at concurrency 1 and 32. Each run loads both, alternating which goes
 * first; users rotate across requests, so no one session or page stays hot.
 */
const PAGE = "/api/v1/notes?limit=50";
const THROUGHPUT: Target = { of: "ratio", bound: "min", limit: 0.9 };
const P99: Target = { of: "ratio", bound: "max", limit: 1.3 };
const P50: Target = { of: "ratio", bound: "max", limit: 1.3 };

type Side = "ours" | "raw";
type Urls = Record<Side, string>;

export const httpSuite: Suite = {
  name: "http",
  async run(ctx) {
    const [ours, raw] = await Promise.all([startNodeServer(ctx.dataset.url), startRawServer(ctx.dataset.url)]);
    const urls: Urls = { ours: ours.url, raw: raw.url };
    try {
      return [...(await readPath(ctx, urls)), ...(await writePath(ctx, urls))];
    } finally {
      await Promise.all([ours.stop(), raw.stop()]);
      await restoreDataset(ctx.dataset);
    }
  },
};

const seconds = (ctx: BenchContext, full: number) => (ctx.quick ? 2 : full);

/** Both sides under the same load in one run, the order alternating by run. */
async function sideBySide(run: number, urls: Urls, spec: (url: string) => LoadSpec): Promise<Record<Side, LoadResult>> {
  const order: Side[] = run % 2 === 0 ? ["ours", "raw"] : ["raw", "ours"];
  const out = {} as Record<Side, LoadResult>;
  for (const side of order) out[side] = await load(spec(urls[side]));
  return out;
}

const pair = (r: Record<Side, LoadResult>, key: keyof LoadResult): Sample => ({ ours: r.ours[key], raw: r.raw[key] });

async function warmUp(urls: Urls, spec: (url: string) => LoadSpec) {
  // JIT, pools and the server's caches warm on both sides before anything counts.
  for (const url of Object.values(urls)) await load({ ...spec(url), seconds: 2 });
}

async function readPath(ctx: BenchContext, urls: Urls) {
  const token = rotate(ctx.dataset.users.map((u) => u.token));
  const spec = (connections: number) => (url: string): LoadSpec => ({ url, connections, seconds: seconds(ctx, 8), next: () => ({ path: PAGE, token: token() }), expect: 200 });
  await warmUp(urls, spec(32));
  return measureFigures(
    ctx.runs,
    async (run) => {
      const c1 = await sideBySide(run, urls, spec(1));
      const c32 = await sideBySide(run, urls, spec(32));
      ctx.log(`  read run ${run + 1}: c=32 ${c32.ours.requestsPerSecond.toFixed(0)} vs ${c32.raw.requestsPerSecond.toFixed(0)} req/s; c=1 p50 ${c1.ours.p50Ms} vs ${c1.raw.p50Ms} ms`);
      return { c1, c32 };
    },
    [
      { name: "read c=32 throughput", unit: "req/s", target: THROUGHPUT, sample: (m) => pair(m.c32, "requestsPerSecond") },
      { name: "read c=32 p50", unit: "ms", sample: (m) => pair(m.c32, "p50Ms") },
      { name: "read c=32 p99", unit: "ms", target: P99, sample: (m) => pair(m.c32, "p99Ms") },
      { name: "read c=1 throughput", unit: "req/s", sample: (m) => pair(m.c1, "requestsPerSecond") },
      { name: "read c=1 p50", unit: "ms", target: P50, sample: (m) => pair(m.c1, "p50Ms") },
      { name: "read c=1 p99", unit: "ms", sample: (m) => pair(m.c1, "p99Ms") },
    ],
  );
}

interface LiveNote {
  id: string;
  token: string;
}

async function writePath(ctx: BenchContext, urls: Urls) {
  const { dataset } = ctx;
  const tokens = new Map(dataset.users.map((u) => [u.id, u.token]));
  const live = await withConnection(dataset.url, (db) =>
    db.query<{ id: string; userId: string }>(`SELECT id, "userId" FROM "Note" WHERE "deletedAt" IS NULL AND id LIKE 'bench-note-%' ORDER BY split_part(id, '-', 4)::int, "userId"`),
  );
  const notes: LiveNote[] = live.rows.map((r) => ({ id: r.id, token: tokens.get(r.userId) as string }));
  // Each delete takes a note nobody has deleted yet; the trash is emptied back after each run.
  let nextNote = 0;
  const deleted: string[] = [];
  const takeNote = () => {
    const note = notes[nextNote++ % notes.length] as LiveNote;
    deleted.push(note.id);
    return note;
  };
  const creator = rotate(dataset.users.map((u, i) => ({ token: u.token, projectId: `bench-project-${i}-1` })));

  const create = (connections: number) => (url: string): LoadSpec => ({
    url,
    connections,
    seconds: seconds(ctx, 5),
    method: "POST",
    next: () => {
      const { token, projectId } = creator();
      return { path: "/api/v1/notes", token, body: { title: "A note from the benchmark", content: "Written under load.", projectId } };
    },
    expect: 201,
  });
  const softDelete = (connections: number) => (url: string): LoadSpec => ({
    url,
    connections,
    seconds: seconds(ctx, 5),
    method: "DELETE",
    next: () => {
      const note = takeNote();
      return { path: `/api/v1/notes/${note.id}`, token: note.token };
    },
    expect: 204,
  });
  const untrash = async () => {
    if (nextNote >= notes.length) throw new Error(`the soft-delete load used all ${notes.length} live notes in one run; shorten it or load more notes`);
    await withConnection(dataset.url, (db) => db.query(`UPDATE "Note" SET "deletedAt" = NULL WHERE id = ANY($1::text[])`, [deleted.splice(0)]));
    nextNote = 0;
  };

  await warmUp(urls, create(32));
  await warmUp(urls, softDelete(32));
  await untrash();
  return measureFigures(
    ctx.runs,
    async (run) => {
      const create32 = await sideBySide(run, urls, create(32));
      const create1 = await sideBySide(run, urls, create(1));
      const delete32 = await sideBySide(run, urls, softDelete(32));
      await untrash();
      const delete1 = await sideBySide(run, urls, softDelete(1));
      await untrash();
      ctx.log(`  write run ${run + 1}: create c=32 ${create32.ours.requestsPerSecond.toFixed(0)} vs ${create32.raw.requestsPerSecond.toFixed(0)}; delete c=32 ${delete32.ours.requestsPerSecond.toFixed(0)} vs ${delete32.raw.requestsPerSecond.toFixed(0)} req/s`);
      return { create32, create1, delete32, delete1 };
    },
    [
      { name: "create note c=32 throughput", unit: "req/s", target: THROUGHPUT, sample: (m) => pair(m.create32, "requestsPerSecond") },
      { name: "create note c=32 p99", unit: "ms", target: P99, sample: (m) => pair(m.create32, "p99Ms") },
      { name: "create note c=1 p50", unit: "ms", target: P50, sample: (m) => pair(m.create1, "p50Ms") },
      { name: "soft-delete note c=32 throughput", unit: "req/s", target: THROUGHPUT, sample: (m) => pair(m.delete32, "requestsPerSecond") },
      { name: "soft-delete note c=32 p99", unit: "ms", target: P99, sample: (m) => pair(m.delete32, "p99Ms") },
      { name: "soft-delete note c=1 p50", unit: "ms", target: P50, sample: (m) => pair(m.delete1, "p50Ms") },
    ],
  );
}

/** What the load wrote goes: the notes it created and the metrics our server recorded. */
async function restoreDataset(dataset: Dataset) {
  await withConnection(dataset.url, async (db) => {
    await db.query(`DELETE FROM "Note" WHERE id NOT LIKE 'bench-note-%'`);
    await db.query(`DELETE FROM "PerformanceMetric" WHERE id NOT LIKE 'bench-metric-%'`);
  });
}
