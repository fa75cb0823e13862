import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import WebSocket from "ws";
import { createApp } from "./app.ts";
import { createDb, dbOptions } from "./db/client.ts";
import { sqlClientOf } from "./db/sql-client.ts";
import { directUrlAdvice, isAccelerateUrl } from "./db/url.ts";
import { withEnvFile } from "./env-file.ts";
import { ConfigError, loadEnv, maskUrl } from "./env.ts";
import { PrismaClient } from "./generated/prisma/client.ts";
import { createMetricBuffer } from "./http/metric-buffer.ts";
import { nodeCapabilities } from "./jobs/node-capabilities.ts";
import { schedules } from "./jobs/registry.ts";
import { startScheduler, type Scheduler } from "./jobs/scheduler.ts";
import { recordLocalDatabase } from "./ops/embedded/local-database.ts";
import { startEmbeddedPostgres, takeOverSignals, type EmbeddedServer } from "./ops/embedded/postgres.ts";
import { ensureStatementStats, withStatementStats } from "./ops/embedded/statement-stats.ts";
import { embeddedArchivingSettings, ensureBaseBackup, runningPid, SelfHostedRecovery, stopServer } from "./ops/recovery/self-hosted/index.ts";
import { deployMigrations } from "./ops/migrations/deploy.ts";
import { readMigrations } from "./ops/migrations/files.ts";
import { migrationStatus } from "./ops/migrations/status.ts";
import { connect, quoteIdent } from "./ops/sql.ts";
import { DEMO_LOGIN } from "../prisma/seeds/dev.ts";
import { seedDatabase } from "../prisma/seeds/index.ts";

/**
 * Local entry: `npm start`. Without DATABASE_URL it runs a real PostgreSQL from npm with its data
 * under .data/, applies migrations, seeds demo data on first start and serves the API. With
 * DATABASE_URL it uses that database and only reports pending migrations (it never migrates a
 * database it did not create: that is `dbctl migrate deploy`'s job). Settings come from the
 * environment over `.env`. The embedded server's address is recorded beside its data, so dbctl,
 * the seeds and `npm run prisma` in another terminal use it with nothing configured.
 */
const EMBEDDED_DB = "app";
const MIGRATIONS_DIR = "prisma/migrations";

async function main() {
  const env = withEnvFile(process.env, process.cwd());
  const config = loadEnv(env);
  // A JOB_SCHEDULES typo stops npm start (ScheduleError is a ConfigError) instead of a job never running.
  const jobSchedules = config.JOBS_ENABLED ? schedules(config) : [];
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.DATABASE_URL;
  let directUrl = config.DIRECT_URL ?? config.DATABASE_URL;

  if (!databaseUrl) {
    log(`No DATABASE_URL: starting the embedded PostgreSQL (data in ${config.EMBEDDED_PG_DIR}, WAL archive in ${config.RECOVERY_DIR}) ...`);
    // A server left running by `dbctl recovery promote` (a restored primary) gives way to ours.
    if (runningPid(config.EMBEDDED_PG_DIR)) await stopServer(config.EMBEDDED_PG_DIR);
    embedded = await startEmbeddedPostgres({
      dataDir: config.EMBEDDED_PG_DIR,
      port: config.EMBEDDED_PG_PORT,
      persistent: true,
      // WAL archiving from the first start, so `dbctl recovery` can restore any moment since;
      // pg_stat_statements preloaded where the binaries ship it (the slow-queries report).
      settings: await withStatementStats(embeddedArchivingSettings(config.RECOVERY_DIR)),
    });
    await ensureDatabase(embedded.url("postgres"), EMBEDDED_DB);
    databaseUrl = directUrl = embedded.url(EMBEDDED_DB);
    recordLocalDatabase({ host: embedded.host, port: embedded.port, user: embedded.user, password: embedded.password, database: EMBEDDED_DB, dataDir: config.EMBEDDED_PG_DIR });
  }

  const db = createDb(PrismaClient, { ...dbOptions(config, databaseUrl), webSocketConstructor: WebSocket });
  // Request metrics are written in batches off the request path; what is buffered is written on stop.
  const metrics = createMetricBuffer(db, { log });

  let scheduler: Scheduler | undefined;
  const stop = async (code: number) => {
    // Runs in progress finish (bounded) while their database is still there.
    await scheduler?.stop();
    await metrics.stop();
    await db.$disconnect().catch(() => {});
    if (embedded) {
      log("Stopping the embedded PostgreSQL ...");
      await embedded.stop().catch(() => {});
      // After a recovery promote the primary is a server of the provider's, and recovery branches
      // run as servers of their own: Ctrl-C stops every PostgreSQL this database started.
      if (runningPid(config.EMBEDDED_PG_DIR)) await stopServer(config.EMBEDDED_PG_DIR).catch(() => {});
      await new SelfHostedRecovery({ stateDir: config.RECOVERY_DIR }).stopAll().catch(() => {});
    }
    process.exit(code);
  };

  try {
    if (embedded && directUrl) {
      await migrateEmbedded(directUrl);
      const backup = await ensureBaseBackup({ stateDir: config.RECOVERY_DIR, dataDir: config.EMBEDDED_PG_DIR, port: embedded.port, onProgress: log });
      if (backup) log(`Took the first base backup for point-in-time recovery (dbctl recovery window).`);
      if (config.SEED_ON_START && (await db.user.count()) === 0) {
        log("First start: seeding development data ...");
        await seedDatabase(db, "dev", { iterations: config.PBKDF2_ITERATIONS, log });
      }
    } else if (directUrl && !isAccelerateUrl(directUrl)) {
      await reportPending(directUrl);
    }
  } catch (error) {
    log(`Could not prepare the database: ${(error as Error).message}`);
    await stop(1);
  }

  // What jobs get beyond the database: pg_dump backups, the recovery provider (Neon's, or the archive
  // set up above), the direct URL; none over a pooled or Accelerate DATABASE_URL standing in for DIRECT_URL.
  const jobsDirectUrl = directUrl && !directUrlAdvice(directUrl) ? directUrl : undefined;
  if (directUrl && !jobsDirectUrl && config.JOBS_ENABLED) log("warning: DIRECT_URL is not set and DATABASE_URL is pooled: jobs get no direct URL (no backups, no recovery); set DIRECT_URL.");
  const jobRuntime = jobsDirectUrl ? nodeCapabilities({ config, env, directUrl: jobsDirectUrl, cwd: process.cwd(), onProgress: log }) : {};
  const app = createApp({ config, db: () => db, clientAddress: (c) => getConnInfo(c).remote.address, metrics: metrics.record, jobs: { ...jobRuntime, log } });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    const url = `http://${info.address === "127.0.0.1" || info.address === "::1" ? "localhost" : info.address}:${info.port}`;
    log("");
    log(`API ready at ${url}  (docs: ${url}/api/v1/docs)`);
    log(`Database: ${maskUrl(databaseUrl as string)}${embedded ? " (embedded)" : ""}`);
    if (embedded) log(`Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}`);
    if (config.JOBS_ENABLED) {
      // One line per run from the scheduler itself; the jobs' own progress lines stay out of the log.
      scheduler = startScheduler({ schedules: jobSchedules, deps: { sql: sqlClientOf(db), config, ...jobRuntime }, log });
      log(`Jobs: ${scheduler.scheduled.map((j) => `${j.job} ${j.schedule}`).join(", ") || "none scheduled"}`);
      for (const j of scheduler.unavailable) log(`warning: job ${j.job} (${j.schedule}) is not scheduled: it needs ${j.needs}.`);
    } else log("Jobs: not scheduled here (JOBS_ENABLED=false).");
    log("Press Ctrl-C to stop.");
  });
  server.on("error", async (error: NodeJS.ErrnoException) => {
    log(error.code === "EADDRINUSE" ? `Port ${config.PORT} is in use: set PORT to another port.` : `Server error: ${error.message}`);
    await stop(1);
  });

  let stopping = false;
  takeOverSignals();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      server.close();
      void stop(0);
    });
  }
}

async function ensureDatabase(adminUrl: string, name: string) {
  const admin = await connect(adminUrl);
  try {
    const { rows } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (rows.length === 0) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.close();
  }
}

async function migrateEmbedded(url: string) {
  const conn = await connect(url, { createSchema: true });
  try {
    const { applied } = await deployMigrations(conn, readMigrations(MIGRATIONS_DIR), { log });
    log(applied.length ? `Applied ${applied.length} migration(s).` : "Database schema is up to date.");
    // The slow-queries report reads it; a server without the library just reports it missing.
    await ensureStatementStats(conn).catch((error: Error) => log(`warning: pg_stat_statements not enabled: ${error.message}`));
  } finally {
    await conn.close();
  }
}

async function reportPending(url: string) {
  const conn = await connect(url);
  try {
    const status = await migrationStatus(conn, readMigrations(MIGRATIONS_DIR));
    if (status.failed.length) log(`warning: failed migration ${status.failed[0]?.name}; run \`npx dbctl migrate status\`.`);
    if (status.pending.length) log(`warning: ${status.pending.length} pending migration(s); run \`npx dbctl migrate deploy\`.`);
  } finally {
    await conn.close();
  }
}

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `Failed to start: ${(error as Error).stack ?? error}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
