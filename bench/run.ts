import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startEmbeddedPostgres } from "../src/ops/embedded/postgres.ts";
import { withStatementStats } from "../src/ops/embedded/statement-stats.ts";
import { withConnection } from "../src/ops/sql.ts";
import { FULL, loadDataset, QUICK } from "./dataset.ts";
import type { Figure } from "./figures.ts";
import { markdownReport, textTable, type Machine, type Results } from "./report.ts";
import type { BenchContext } from "./suite.ts";
import { SUITES } from "./suites/index.ts";

/**
 * `npm run bench [-- --quick] [--only http,worker] [--out bench]`: starts its own PostgreSQL,
 * loads the data set, runs every suite, prints the table and writes results.json and report.md.
 * Nothing here asserts a speed: targets are reported beside the figures, met or missed.
 */
const USAGE = "usage: npm run bench -- [--quick] [--only <suite,...>] [--runs N] [--out <dir>]";

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { quick: { type: "boolean", default: false }, only: { type: "string" }, runs: { type: "string" }, out: { type: "string", default: "bench" }, help: { type: "boolean" } },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\nsuites: ${SUITES.map((s) => s.name).join(", ")}\n`);
    return 0;
  }
  const only = args.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((name) => !SUITES.some((s) => s.name === name)) ?? [];
  if (unknown.length) {
    process.stderr.write(`unknown suite(s): ${unknown.join(", ")}; the suites are ${SUITES.map((s) => s.name).join(", ")}\n`);
    return 2;
  }
  const runs = args.runs === undefined ? (args.quick ? 1 : 5) : Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    process.stderr.write("--runs needs a whole number from 1 to 50\n");
    return 2;
  }
  const suites = SUITES.filter((s) => !only || only.includes(s.name));

  const began = performance.now();
  const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const workDir = mkdtempSync(join(tmpdir(), "bench-"));
  // As root, PostgreSQL runs as the `postgres` user, which writes its data and WAL archive here.
  chmodSync(workDir, 0o777);
  const server = await startEmbeddedPostgres({ dataDir: join(workDir, "pg"), persistent: false, settings: await withStatementStats(BENCH_SETTINGS) });
  const figures: Figure[] = [];
  let analysis = "";
  try {
    const sizes = args.quick ? QUICK : FULL;
    log(`loading ${sizes.users} users, ${sizes.users * sizes.projectsPerUser} projects, ${sizes.users * sizes.notesPerUser} notes, ${sizes.metrics} metrics ...`);
    const dataset = await loadDataset(server, "bench", sizes);
    log(`loaded in ${(dataset.loadMs / 1000).toFixed(1)} s`);
    const ctx: BenchContext = { quick: args.quick, runs, server, dataset, workDir, log };
    for (const suite of suites) {
      log(`suite ${suite.name} ...`);
      const found = await suite.run(ctx);
      for (const f of found) log(`  ${f.name}: ${f.ours.toFixed(2)} ${f.unit}${f.ratio === null ? "" : ` (${f.ratio.toFixed(2)}x raw)`}`);
      figures.push(...found);
    }
    const machine = await describeMachine(server.url("postgres"), args.quick);
    const results: Results = { machine, figures };
    const out = resolve(args.out);
    mkdirSync(out, { recursive: true });
    analysis = readAnalysis();
    writeFileSync(join(out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(out, "report.md"), markdownReport(results, analysis));
    process.stdout.write(`${textTable(figures)}\n\nWrote ${join(out, "results.json")} and ${join(out, "report.md")} in ${((performance.now() - began) / 1000).toFixed(0)} s.\n`);
    return 0;
  } finally {
    await server.stop().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The statement counter the statements suite reads: what clients send (top level), BEGIN and COMMIT included, not the foreign-key checks PostgreSQL runs inside them. */
const BENCH_SETTINGS: Record<string, string> = { "pg_stat_statements.track": "top", "pg_stat_statements.track_utility": "on" };

/** The report's analysis: what holds each missed target back, with its profile, written by hand. */
function readAnalysis(): string {
  try {
    return readFileSync(new URL("./analysis.md", import.meta.url), "utf8");
  } catch {
    return "";
  }
}

async function describeMachine(adminUrl: string, quick: boolean): Promise<Machine> {
  const postgres = await withConnection(adminUrl, async (db) => (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? "unknown");
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    postgres,
    date: new Date().toISOString(),
    quick,
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
