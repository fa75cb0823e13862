import { z } from "zod";
// The URL rules live beside the rest of the connection-string knowledge; db/url.ts imports nothing.
import { HOSTED_ACCELERATE_RETIRED, isHostedAccelerateUrl, pooledUrlRefusal } from "./db/url.ts";

/**
 * The one schema for configuration. Every entry point (Node, Workers, dbctl, seeds) parses its
 * environment through it, so a typo or a bad value fails at start with the variable's name.
 */
const bool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

const postgresOrPrismaUrl = z
  .string()
  .trim()
  .min(1)
  .refine((v) => /^(postgres|postgresql|prisma|prisma\+postgres):\/\//.test(v), {
    message: "must start with postgresql://, postgres://, prisma:// or prisma+postgres://",
  });

/**
 * How long a database call may take (see DbTimeouts in db/client.ts): together they make a
 * frozen database answer 503 within 3 s, and each can be set per environment.
 */
export const DB_TIMEOUT_DEFAULTS = {
  connectTimeoutMs: 2_000,
  queryTimeoutMs: 2_500,
  statementTimeoutMs: 2_000,
  lockTimeoutMs: 1_000,
} as const;

/** Browser origins allowed to call the API: a comma-separated list of exact origins. */
const origins = z
  .string()
  .transform((v) => v.split(",").map((o) => o.trim()).filter(Boolean))
  .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((o) => new URL(o).origin)));

export const envObject = z.object({
  APP_ENV: z.enum(["development", "test", "staging", "production"]).default("development"),
  /**
   * Pooled connection for the app: Neon's pooled URL, a PgBouncer or Supabase pooler, Prisma
   * Postgres, an Accelerate-protocol endpoint of your own (`prisma dev`), or plain Postgres.
   * Hosted Accelerate is refused at start: it was retired on 2026-12-01.
   */
  DATABASE_URL: postgresOrPrismaUrl.refine((v) => !isHostedAccelerateUrl(v), { message: HOSTED_ACCELERATE_RETIRED }).optional(),
  /**
   * Direct connection for migrations, backups, recovery, previews, seeds and Prisma's CLI: a
   * pooled or Accelerate URL is refused here, naming the direct host to use, so every entry
   * (API, Worker, dbctl, seeds, prisma.config.ts) refuses it with the same words.
   */
  DIRECT_URL: postgresOrPrismaUrl.refine((v) => pooledUrlRefusal(v) === undefined, { error: (issue) => pooledUrlRefusal(String(issue.input)) }).optional(),
  /** auto: prisma:// -> accelerate, *.neon.tech -> neon, otherwise pg. */
  DATABASE_DRIVER: z.enum(["auto", "pg", "neon", "accelerate"]).default("auto"),
  /** host:port of a Neon wsproxy for the serverless driver in local development (plain ws://). */
  NEON_WS_PROXY: z.string().regex(/^[\w.-]+:\d+(\/.*)?$/, { message: "must be host:port[/path]" }).optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** How long opening a connection (or waiting for a pooled one) may take before the request answers 503. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(DB_TIMEOUT_DEFAULTS.connectTimeoutMs),
  /** How long the client waits for any answer from the database (a frozen server cancels nothing). */
  DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DB_TIMEOUT_DEFAULTS.queryTimeoutMs),
  /** PostgreSQL's statement_timeout for the app's sessions; 0 turns it off. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(DB_TIMEOUT_DEFAULTS.statementTimeoutMs),
  /** PostgreSQL's lock_timeout for the app's sessions; 0 turns it off. */
  DB_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(DB_TIMEOUT_DEFAULTS.lockTimeoutMs),
  /** Budget of GET /health/ready's single round trip. */
  DB_READY_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2_000),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  HOST: z.string().default("127.0.0.1"),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24 * 30),
  /** Cloudflare Workers caps PBKDF2 at 100,000 iterations; the count is stored in each hash. */
  PBKDF2_ITERATIONS: z.coerce.number().int().min(10_000).max(100_000).default(100_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(100 * 1024 * 1024).default(1024 * 1024),
  /** Origins a browser may call the API from (CORS); unset: none, so only same-origin pages and non-browser clients. */
  CORS_ORIGINS: origins.default([]),
  /** Failed logins per account per minute (per Cloudflare location on Workers, where the binding counts). */
  AUTH_RATE_LIMIT_ACCOUNT: z.coerce.number().int().min(1).max(100_000).default(10),
  /** Login and signup attempts per client address per minute. */
  AUTH_RATE_LIMIT_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(30),
  /** Password hashes computed at once; the rest queue, so hashing never takes every thread a process has. */
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Where `npm start` keeps the embedded PostgreSQL's data when DATABASE_URL is unset. */
  EMBEDDED_PG_DIR: z.string().default(".data/postgres"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65_535).default(54_329),
  /** Self-hosted point-in-time recovery: WAL archive, base backups and branches (dbctl recovery). */
  RECOVERY_DIR: z.string().default(".data/recovery"),
  /**
   * Self-hosted: how far back every moment must stay restorable (Neon's history retention);
   * `dbctl recovery prune` removes WAL and base backups only needed for moments before it.
   */
  RECOVERY_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  SEED_ON_START: bool.default(true),
  SEED_ADMIN_EMAIL: z.email().optional(),
  SEED_ADMIN_PASSWORD: z.string().min(12).optional(),
  LOG_REQUESTS: bool.default(false),
  /** Share of API requests recorded as PerformanceMetric rows (0: none, 1: every request). */
  METRICS_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  /** Where `dbctl backup` writes dumps and their manifests, relative to the working directory. */
  BACKUP_DIR: z.string().trim().min(1).default("backups"),
  /**
   * Days `dbctl backup prune` keeps a backup. Unset: the guide's table by APP_ENV (production 30,
   * staging 7, development and test keep every backup).
   */
  BACKUP_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).optional(),
  /** Vercel's cron route (/api/cron/<job>) accepts only `Authorization: Bearer <this>`; unset, the route refuses every call. */
  CRON_SECRET: z.string().trim().min(16, { message: "must be at least 16 characters" }).optional(),
  /** Where a job's failure (and its recovery) is posted: JSON with a Slack-compatible `text`. */
  ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** `npm start` runs the jobs' schedule in-process; false leaves scheduling to dbctl or a platform. */
  JOBS_ENABLED: bool.default(true),
  /** Per-job schedule overrides: `retention=*\/15 * * * *;backup=off` (cron, or off). */
  JOB_SCHEDULES: z.string().trim().optional(),
  /**
   * Wall time one job run may work before it stops and records `partial` (the next run resumes).
   * Default 25 s: inside a Worker cron's 30 s of CPU below an hourly interval.
   */
  JOB_TIME_BUDGET_MS: z.coerce.number().int().min(1_000).max(15 * 60_000).default(25_000),
  /** Retention cutoffs, in days (the guide's Data Retention). */
  RETENTION_ERROR_LOG_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
  RETENTION_METRIC_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  /** Soft-deleted notes and projects are purged for good this long after their deletion. */
  RETENTION_SOFT_DELETE_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  RETENTION_JOB_RUN_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
  /** Rows one retention statement deletes: small enough that no statement holds its locks long. */
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /** The PITR check's minimum restore window; unset: production 7 days, staging 1, others none. */
  PITR_MIN_WINDOW_DAYS: z.coerce.number().min(0).max(365).optional(),
  /** The newest restorable moment may lag the present by this much before the PITR check fails. */
  PITR_MAX_LAG_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** The weekly drill restores the state of this many minutes ago into a throwaway branch. */
  DRILL_MINUTES_AGO: z.coerce.number().int().min(0).max(7 * 24 * 60).default(5),
  /** Neon keeps at most this many manual snapshots per project (10 on paid plans, 1 on Free); the backup job stays under it. */
  BACKUP_SNAPSHOT_LIMIT: z.coerce.number().int().min(1).max(1_000).default(10),
  /** backup-check fails when the newest verified backup or snapshot is older than this. */
  BACKUP_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(24 * 60).default(26),
  /** Neon recovery (branches, restores): an API key of the account or organization owning the project. */
  NEON_API_KEY: z.string().trim().min(1).optional(),
  NEON_PROJECT_ID: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,60}$/, { message: "must be a Neon project id (lowercase letters, digits and dashes)" })
    .optional(),
  /** The Neon API's base URL; unset: https://console.neon.tech/api/v2 (the local emulator prints its own). */
  NEON_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Database and role that Neon connection strings name (Neon's defaults for projects made by the API). */
  NEON_DATABASE: z.string().trim().min(1).default("neondb"),
  NEON_ROLE: z.string().trim().min(1).default("neondb_owner"),
});

export const envSchema = envObject.refine((env) => env.DB_STATEMENT_TIMEOUT_MS === 0 || env.DB_QUERY_TIMEOUT_MS >= env.DB_STATEMENT_TIMEOUT_MS, {
  path: ["DB_QUERY_TIMEOUT_MS"],
  message: "must be at least DB_STATEMENT_TIMEOUT_MS, so the server cancels a slow statement before the client gives up on its connection",
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses a raw environment (process.env, a Worker's env bindings) into typed configuration. */
export function loadEnv(raw: Record<string, unknown>): Env {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(envObject.shape)) {
    const value = raw[key];
    // An empty string in a shell or .env file means "unset", not "invalid".
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/** The connection string with its password replaced, for logs and CLI output. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/key|password|secret|token/i.test(key)) parsed.searchParams.set(key, "****");
    }
    return parsed.toString();
  } catch {
    return "<unparseable connection string>";
  }
}
