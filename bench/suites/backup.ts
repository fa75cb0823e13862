import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileSha256, type Manifest } from "../../src/ops/backup/manifest.ts";
import { splitPassword } from "../../src/ops/backup/pg-tools.ts";
import { databaseUrl } from "../../src/ops/scratch.ts";
import { quoteIdent, withConnection } from "../../src/ops/sql.ts";
import { figure, median, repeat, type Target } from "../figures.ts";
import { runTimed } from "../ops/timed-command.ts";
import type { Suite } from "../suite.ts";

/**
 * Item 6: `dbctl backup create` (the real CLI, start-up included, as an operator or the backup
 * job's shell runs it) beside a raw `pg_dump -Fc` of the same database to a file, and
 * `dbctl backup verify` of that backup beside what a verify does at heart: a raw `pg_restore`
 * into a fresh scratch database (created, restored in one transaction, dropped). Each run does
 * both sides, alternating which goes first. The password travels in the environment only
 * (DIRECT_URL for dbctl, PGPASSWORD for the raw tools), never on a command line.
 */
const CREATE: Target = { of: "ratio", bound: "max", limit: 1.05 };

interface CreateOutput {
  path: string;
  manifest: Manifest;
}

export const backupSuite: Suite = {
  name: "backup",
  async run(ctx) {
    const dir = join(ctx.workDir, "backups");
    mkdirSync(dir, { recursive: true });
    const { url: target, password } = splitPassword(ctx.dataset.url);
    const pgEnv: Record<string, string> = password === undefined ? {} : { PGPASSWORD: password };
    const dbctlEnv = { APP_ENV: "production", DIRECT_URL: ctx.dataset.url, BACKUP_DIR: dir };
    const parts = { cliStartupMs: [] as number[], libraryMs: [] as number[], sha256Ms: [] as number[], sizeBytes: [] as number[], rawBytes: [] as number[] };

    const dbctlCreate = async () => {
      const run = await runTimed(process.execPath, ["bin/dbctl.mjs", "backup", "create", "--json"], dbctlEnv);
      const created = JSON.parse(run.stdout) as CreateOutput;
      return { ms: run.ms, created };
    };
    const rawDump = async (run: number) => {
      const file = join(dir, `raw-${run}.dump`);
      const timed = await runTimed("pg_dump", ["-Fc", "-d", target, "-f", file], pgEnv);
      return { ms: timed.ms, file };
    };
    const dbctlVerify = (path: string) => runTimed(process.execPath, ["bin/dbctl.mjs", "backup", "verify", path, "--json"], dbctlEnv);
    const rawRestore = async (file: string, run: number) => {
      const scratch = `bench_raw_restore_${run}`;
      const admin = ctx.server.url("postgres");
      const began = performance.now();
      await withConnection(admin, (db) => db.query(`CREATE DATABASE ${quoteIdent(scratch)}`));
      try {
        const { url: scratchUrl } = splitPassword(databaseUrl(ctx.dataset.url, scratch));
        await runTimed("pg_restore", ["--single-transaction", "--no-owner", "--no-privileges", "-d", scratchUrl, file], pgEnv);
      } finally {
        await withConnection(admin, (db) => db.query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch)} WITH (FORCE)`));
      }
      return performance.now() - began;
    };
    // What the CLI costs before it does anything: node, tsx compiling the command tree, zod schemas.
    const cliStartup = async () => (await runTimed(process.execPath, ["bin/dbctl.mjs", "--help"], {})).ms;

    // The first dump reads the tables into the OS cache for both sides; it is not counted.
    await rawDump(-1).then(({ file }) => rmSync(file));
    try {
      // A run dumps and restores twice (~27 s in full): three are enough for a median inside the bench's 15 minutes.
      const samples = await repeat(Math.min(ctx.runs, 3), async (run) => {
        const dbctlFirst = run % 2 === 0;
        let ours!: Awaited<ReturnType<typeof dbctlCreate>>;
        let raw!: Awaited<ReturnType<typeof rawDump>>;
        if (dbctlFirst) {
          ours = await dbctlCreate();
          raw = await rawDump(run);
        } else {
          raw = await rawDump(run);
          ours = await dbctlCreate();
        }
        let verifyMs: number;
        let restoreMs: number;
        if (dbctlFirst) {
          verifyMs = (await dbctlVerify(ours.created.path)).ms;
          restoreMs = await rawRestore(raw.file, run);
        } else {
          restoreMs = await rawRestore(raw.file, run);
          verifyMs = (await dbctlVerify(ours.created.path)).ms;
        }
        const shaBegan = performance.now();
        await fileSha256(ours.created.path);
        parts.sha256Ms.push(performance.now() - shaBegan);
        parts.cliStartupMs.push(await cliStartup());
        parts.libraryMs.push(ours.created.manifest.durationMs);
        parts.sizeBytes.push(ours.created.manifest.sizeBytes);
        parts.rawBytes.push(statSync(raw.file).size);
        rmSync(ours.created.path, { force: true });
        rmSync(`${ours.created.path}.manifest.json`, { force: true });
        rmSync(raw.file, { force: true });
        ctx.log(`  backup run ${run + 1}: create ${(ours.ms / 1000).toFixed(2)} s vs pg_dump ${(raw.ms / 1000).toFixed(2)} s; verify ${(verifyMs / 1000).toFixed(2)} s vs pg_restore ${(restoreMs / 1000).toFixed(2)} s`);
        return {
          "backup create": { ours: ours.ms / 1000, raw: raw.ms / 1000 },
          "backup verify": { ours: verifyMs / 1000, raw: restoreMs / 1000 },
        };
      });
      const get = (name: string) => samples.get(name) ?? [];
      const create = get("backup create");
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      const createNote =
        `dbctl backup create --json, the whole CLI process, against pg_dump -Fc to a file (same server, same compression). ` +
        `Medians: dbctl ${s(median(create.map((c) => c.ours * 1000)))} = CLI start-up ${s(median(parts.cliStartupMs))} (node + tsx + the command tree, timed as dbctl --help) ` +
        `+ createBackup ${s(median(parts.libraryMs))} (connect, pg_dump --version, table list, pg_dump beside the exact row counts in its exported snapshot, then sha256 of the file, ${s(median(parts.sha256Ms))}); ` +
        `raw pg_dump ${s(median(create.map((c) => (c.raw ?? 0) * 1000)))}. Dump sizes: ${mib(median(parts.sizeBytes))} (dbctl) vs ${mib(median(parts.rawBytes))} (raw).`;
      const verifyNote =
        "dbctl backup verify --json (sha256 and size against the manifest, pg_restore --list, restore into a scratch database in one transaction, every table's row count against the manifest, scratch dropped) " +
        "against raw: CREATE DATABASE, pg_restore --single-transaction --no-owner --no-privileges, DROP DATABASE. No target: reported for information.";
      return [figure("backup create", "s", create, CREATE, createNote), figure("backup verify", "s", get("backup verify"), undefined, verifyNote)];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
