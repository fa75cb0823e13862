import { setTimeout as sleep } from "node:timers/promises";
import { withConnection } from "../../src/ops/sql.ts";
import { figure, median, repeat, type Target } from "../figures.ts";
import { startArchivingPrimary } from "../ops/archiving-primary.ts";
import { PROBE_PREFIX, startProbeWriter } from "../ops/pitr-writer.ts";
import type { Suite } from "../suite.ts";

/**
 * Item 7: self-hosted point-in-time recovery of the data set. On a PostgreSQL of its own with
 * WAL archiving and a base backup (as npm start runs it), notes are written continuously, one
 * per transaction, and a moment T is picked among them. Then what `dbctl recovery branch --at T`
 * does: archive the current WAL segment, restore the base backup, replay to T, promote; RTO is
 * the seconds from asking to the branch's first answered query. The branch must hold every row
 * committed by T and none after (RPO zero), and the whole data set as it was.
 */
const RTO: Target = { of: "value", bound: "max", limit: 10 };
const NONE: Target = { of: "value", bound: "max", limit: 0 };
const DATABASE = "bench";
/** Writing goes on this long on each side of T. */
const WRITE_MS = 600;
const DATA_SET_TABLES = ["User", "Session", "Project", "Note", "PerformanceMetric"] as const;

type Counts = Record<string, number>;

export const recoverySuite: Suite = {
  name: "recovery",
  async run(ctx) {
    const runs = ctx.quick ? 1 : Math.min(ctx.runs, 3);
    ctx.log(`  recovery: loading the data set into a primary with WAL archiving ...`);
    const primary = await startArchivingPrimary(ctx.workDir, DATABASE, ctx.dataset.sizes);
    const { provider, dataset } = primary;
    try {
      const loaded = await dataSetCounts(dataset.url);
      const around: { before: number; after: number }[] = [];
      const samples = await repeat(runs, async (run) => {
        const writer = await startProbeWriter(dataset.url, { userId: dataset.users[0]?.id as string, run, connections: 2, pauseMs: 2 });
        let at: Date;
        try {
          await sleep(WRITE_MS);
          at = await databaseMillisecond(dataset.url);
          await sleep(WRITE_MS);
        } finally {
          await writer.stop();
        }
        const expected = await committedBy(dataset.url, at);
        const mine = [...expected].filter(([id]) => id.startsWith(`${PROBE_PREFIX}${run}-`));
        const before = mine.filter(([, by]) => by).length;
        around.push({ before, after: mine.length - before });
        if (before === 0 || before === mine.length) throw new Error(`recovery run ${run + 1}: T ${at.toISOString()} is not between two writes (${before} of ${mine.length} committed by it)`);

        const branch = `bench-pitr-${run}`;
        const began = performance.now();
        let rtoMs: number;
        let present: Set<string>;
        let counts: Counts;
        try {
          // What `dbctl recovery branch --at` does: the newest WAL archived, then the branch.
          await provider.archiveCurrentWal();
          await provider.createBranch(branch, { at });
          const url = await provider.connectionString(branch);
          await withConnection(url, (db) => db.query(`SELECT id FROM "Note" LIMIT 1`));
          rtoMs = performance.now() - began;
          present = await probeIds(url);
          counts = await dataSetCounts(url);
        } finally {
          await provider.deleteBranch(branch).catch((error: Error) => ctx.log(`  could not delete branch ${branch}: ${error.message}`));
        }
        const shouldHave = [...expected].filter(([, by]) => by).map(([id]) => id);
        const lostProbes = shouldHave.filter((id) => !present.has(id)).length;
        const wrong = [...present].filter((id) => expected.get(id) !== true).length;
        // The data set itself: every table as loaded (nothing but the probes wrote after the load).
        const lostLoaded = DATA_SET_TABLES.reduce((sum, t) => sum + Math.max(0, (loaded[t] ?? 0) - (counts[t] ?? 0)), 0);
        const extraLoaded = DATA_SET_TABLES.reduce((sum, t) => sum + Math.max(0, (counts[t] ?? 0) - (loaded[t] ?? 0)), 0);
        ctx.log(
          `  recovery run ${run + 1}: branch at T usable in ${(rtoMs / 1000).toFixed(2)} s; ${before} probes committed by T, ${mine.length - before} after; ` +
            `lost ${lostProbes + lostLoaded}, wrongly present ${wrong + extraLoaded}`,
        );
        return {
          rto: { ours: rtoMs / 1000 },
          lost: { ours: lostProbes + lostLoaded },
          wrong: { ours: wrong + extraLoaded },
        };
      });
      const get = (name: string) => samples.get(name) ?? [];
      const rows = Object.values(loaded).reduce((a, b) => a + b, 0);
      const probes = `${median(around.map((a) => a.before))} probe notes committed by T and ${median(around.map((a) => a.after))} after it (medians per run; two writers, one note per transaction)`;
      return [
        figure(
          "PITR restore to a usable branch (RTO)",
          "s",
          get("rto"),
          RTO,
          `From asking (archive the current WAL, restore the newest base backup, replay to T, promote) to the branch's first answered query; the base backup holds the loaded data set (${rows} rows), the WAL since it the probe writes.`,
        ),
        figure("PITR rows lost (RPO)", "rows", get("lost"), NONE, `Rows committed by T (their commit timestamps, read with track_commit_timestamp) missing on the branch, plus any data-set row missing: ${probes}.`),
        figure("PITR rows wrongly present", "rows", get("wrong"), NONE, "Rows on the branch committed after T, or data-set rows that were never there."),
      ];
    } finally {
      await primary.stop();
    }
  },
};

/** The database's clock now, to the millisecond (a restore target is a Date): T. */
async function databaseMillisecond(url: string): Promise<Date> {
  return withConnection(url, async (db) => {
    const { rows } = await db.query<{ ms: number }>(`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`);
    return new Date(rows[0]?.ms as number);
  });
}

/**
 * Every probe note and whether a restore to `at` must hold it. A Date target covers the whole
 * millisecond (the provider asks PostgreSQL for at.999 µs), so: committed at or before that.
 */
async function committedBy(url: string, at: Date): Promise<Map<string, boolean>> {
  return withConnection(url, async (db) => {
    const { rows } = await db.query<{ id: string; by: boolean }>(
      `SELECT id, pg_xact_commit_timestamp(xmin) <= $1::timestamptz + interval '999 microseconds' AS by FROM "Note" WHERE id LIKE $2`,
      [at.toISOString(), `${PROBE_PREFIX}%`],
    );
    return new Map(rows.map((r) => [r.id, r.by]));
  });
}

async function probeIds(url: string): Promise<Set<string>> {
  return withConnection(url, async (db) => {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM "Note" WHERE id LIKE $1`, [`${PROBE_PREFIX}%`]);
    return new Set(rows.map((r) => r.id));
  });
}

async function dataSetCounts(url: string): Promise<Counts> {
  return withConnection(url, async (db) => {
    const counts: Counts = {};
    for (const table of DATA_SET_TABLES) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"${table === "Note" ? ` WHERE id NOT LIKE '${PROBE_PREFIX}%'` : ""}`);
      counts[table] = rows[0]?.n ?? 0;
    }
    return counts;
  });
}
