import { resolve } from "node:path";
import { ConfigError, loadEnv, type Env } from "../../env.ts";
import { latestRuns } from "../../jobs/history.ts";
import { nodeCapabilities } from "../../jobs/node-capabilities.ts";
import type { JobCapabilities, JobRunRecord } from "../../jobs/types.ts";
import { connect, type Connection } from "../sql.ts";

/**
 * What the checks look at, gathered once and lazily: the raw variables (the doctor reads them
 * itself, because loadEnv refuses a pooled DIRECT_URL or a hosted Accelerate DATABASE_URL, and
 * those are exactly what it must report rather than crash on), the rest of the configuration,
 * the database the operations would use, and one connection to it shared by every check.
 */
export interface DoctorFacts {
  env: Record<string, string | undefined>;
  cwd: string;
  /** The configuration without the two URLs; the defaults when it does not parse (configProblem says why). */
  config: Env;
  configProblem?: string;
  migrationsDir: string;
  rollbackDir: string;
  target: DoctorTarget;
  /** The shared connection to target; throws NotChecked when there is no target. */
  db(): Promise<Connection>;
  latestRuns(): Promise<Map<string, JobRunRecord>>;
  /** The jobs' Node capabilities: pg_dump backups in BACKUP_DIR, the recovery provider where set up. */
  capabilities: JobCapabilities;
  now: Date;
  close(): Promise<void>;
}

/** A check that cannot run because something it needs is missing (reported as a warning saying what). */
export class NotChecked extends Error {
  override name = "NotChecked";
}

/**
 * The database dbctl's operations would use (DIRECT_URL, else DATABASE_URL, else npm start's), or
 * why there is none. The command resolves it (cli/database-url.ts), since ops/ never imports cli/.
 */
export type DoctorTarget = { url: string; source: string } | { problem: string };

export interface FactsOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  migrationsDir: string;
  rollbackDir: string;
  target: DoctorTarget;
  now?: Date;
  connectTimeoutMs?: number;
}

export const DOCTOR_APPLICATION_NAME = "dbctl doctor";

export function gatherFacts(options: FactsOptions): DoctorFacts {
  const { env, cwd } = options;
  const { config, problem } = configWithoutUrls(env);
  const { target } = options;
  let connection: Promise<Connection> | undefined;
  let runs: Promise<Map<string, JobRunRecord>> | undefined;
  const db = () => {
    // The reachable check says why at length; here, once per skipped check, only where to look.
    if ("problem" in target) return Promise.reject(new NotChecked(target.problem.startsWith("DIRECT_URL") ? "DIRECT_URL is pooled (see its check)" : "no database to reach (see the reachable check)"));
    connection ??= connect(target.url, { connectTimeoutMs: options.connectTimeoutMs ?? 3_000, applicationName: DOCTOR_APPLICATION_NAME }).then(oneAtATime);
    return connection;
  };
  return {
    env,
    cwd,
    config,
    ...(problem && { configProblem: problem }),
    migrationsDir: resolve(cwd, options.migrationsDir),
    rollbackDir: resolve(cwd, options.rollbackDir),
    target,
    db,
    latestRuns: () => (runs ??= db().then(latestRuns)),
    capabilities: nodeCapabilities({ config, env, directUrl: "url" in target ? target.url : "", cwd }),
    now: options.now ?? new Date(),
    async close() {
      // A connection stuck opening or answering must not keep the doctor from exiting.
      const opened = connection?.catch(() => undefined);
      connection = undefined;
      await Promise.race([opened?.then((c) => c?.close()).catch(() => {}), new Promise((r) => setTimeout(r, 1_000).unref())]);
    },
  };
}

function configWithoutUrls(env: Record<string, string | undefined>): { config: Env; problem?: string } {
  const rest = { ...env, DATABASE_URL: undefined, DIRECT_URL: undefined };
  try {
    return { config: loadEnv(rest) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Keep the environment's name when it alone is valid, so the other checks judge by it.
    let config: Env;
    try {
      config = loadEnv({ APP_ENV: env.APP_ENV });
    } catch {
      config = loadEnv({});
    }
    return { config, problem: error.message };
  }
}

/** The checks run at once and share the connection: node-postgres wants its queries one after another. */
function oneAtATime(db: Connection): Connection {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    query: <R extends object>(sql: string, params?: unknown[]) => {
      const run = queue.then(() => db.query<R>(sql, params));
      queue = run.catch(() => {});
      return run;
    },
    close: () => queue.then(() => db.close()),
  };
}
