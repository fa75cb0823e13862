import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, json } from "../../support/app.ts";
import { openConnection } from "../../support/database.ts";

/**
 * The per-route report over rows this file inserts with known durations and statuses: its
 * percentiles are compared with PostgreSQL's own percentile_cont over those durations, asked by
 * the test in SQL of its own; its counts, error rates and window with what the rows say.
 */
const t = await createTestApp();
let admin: { token: string; id: string };

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

interface Sample {
  route: string;
  method: string;
  durations: number[];
  statuses: number[];
  at: Date;
}

const byId: Sample = {
  route: "/api/v1/notes/:id",
  method: "GET",
  durations: [12.5, 3, 7.25, 100, 42, 8, 15.75, 1, 64, 33.125, 2.5, 19],
  statuses: [200, 200, 500, 200, 404, 200, 503, 200, 200, 401, 200, 200],
  at: minutesAgo(5),
};
const create: Sample = { route: "/api/v1/notes", method: "POST", durations: [5, 9.5, 11, 250], statuses: [201, 201, 201, 500], at: minutesAgo(45) };
const list: Sample = { route: "/api/v1/notes", method: "GET", durations: [4, 6], statuses: [200, 200], at: minutesAgo(5) };
/** Outside a 24 h window: it must change nothing of the report. */
const old: Sample = { route: "/api/v1/notes/:id", method: "GET", durations: [9_000, 9_500, 10_000], statuses: [500, 500, 500], at: minutesAgo(25 * 60) };

const rowsOf = (s: Sample) => s.durations.map((durationMs, i) => ({ route: s.route, method: s.method, durationMs, status: s.statuses[i] as number, timestamp: s.at }));

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  await t.db.performanceMetric.createMany({ data: [byId, create, list, old].flatMap(rowsOf) });
});

/** What PostgreSQL says the continuous percentiles of these durations are. */
async function percentileCont(durations: number[]) {
  const sql = await openConnection(t.url);
  const { rows } = await sql.query<{ p50: number; p95: number; p99: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY d) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY d) AS p99
       FROM unnest($1::float8[]) AS d`,
    [durations],
  );
  return rows[0];
}

async function expected(s: Sample) {
  return {
    route: s.route,
    method: s.method,
    count: s.durations.length,
    errorRate: s.statuses.filter((status) => status >= 500).length / s.statuses.length,
    ...(await percentileCont(s.durations)),
  };
}

const report = (window?: string) => json(t.client.api.v1.admin.metrics.$get({ query: window ? { window } : {} }, t.as(admin.token)), 200);

describe("admin metrics", () => {
  it("reports each route and method of the last 24 hours by default, most requested first, with percentile_cont's percentiles", async () => {
    const body = await report();
    expect(body.window).toBe("24h");
    expect(body.routes).toEqual([await expected(byId), await expected(create), await expected(list)]);
  });

  it("a shorter window leaves out older rows", async () => {
    const body = await report("30m");
    expect(body.window).toBe("30m");
    expect(body.routes).toEqual([await expected(byId), await expected(list)]);
  });

  it("a longer window takes the older rows in", async () => {
    const body = await report("2d");
    const withOld: Sample = { ...byId, durations: [...byId.durations, ...old.durations], statuses: [...byId.statuses, ...old.statuses] };
    expect(body.routes).toEqual([await expected(withOld), await expected(create), await expected(list)]);
  });

  it("counts only statuses of 500 and more as errors", async () => {
    const body = await report();
    const byIdRoute = body.routes.find((r) => r.route === byId.route);
    // 2 of 12 are 5xx; the 404 and the 401 are the client's.
    expect(byIdRoute?.errorRate).toBe(2 / 12);
  });

  it("a window with no requests has no routes", async () => {
    const body = await report("1m");
    expect(body).toEqual({ window: "1m", routes: [] });
  });

  it("the window is the same whatever the database session's time zone (rows are stored in UTC)", async () => {
    const other = await createTestApp();
    const sql = await openConnection(other.url);
    await sql.query(`ALTER DATABASE ${new URL(other.url).pathname.slice(1)} SET timezone = 'Pacific/Auckland'`);
    await other.db.$disconnect();
    const owner = await other.signup("ADMIN");
    expect(await other.db.$queryRaw`SHOW timezone`).toEqual([{ TimeZone: "Pacific/Auckland" }]);
    await other.db.performanceMetric.createMany({ data: [...rowsOf(create), ...rowsOf(list)] });
    const res = await other.request("GET", "/api/v1/admin/metrics?window=30m", { token: owner.token });
    expect(res.body.routes).toEqual([await expected(list)]);
  });
});
