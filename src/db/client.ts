import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaNeon } from "@prisma/adapter-neon";
import { neonConfig } from "@neondatabase/serverless";
import { withAccelerate } from "@prisma/extension-accelerate";
import { DB_TIMEOUT_DEFAULTS, type Env } from "../env.ts";
import type { PrismaClient as GeneratedClient } from "../generated/prisma/client.ts";
import { softDeleteExtension } from "./soft-delete.ts";
import { isPooledUrl, splitConnectionString, withSessionSettings } from "./url.ts";

/**
 * The one place that turns configuration into a Prisma Client. It never imports a generated
 * client itself: the entry point passes the class built for its runtime (nodejs or workerd),
 * so this module runs unchanged on Node, Workers and Vercel.
 */

export type Driver = "pg" | "neon" | "accelerate";

/** The guide's serverless transaction settings. */
export const TRANSACTION_OPTIONS = { maxWait: 5_000, timeout: 10_000 } as const;

/**
 * Every database call is bounded in time, three ways: the server cancels a statement after
 * `statementTimeoutMs` and gives up waiting for a lock after `lockTimeoutMs`; the client gives up
 * on an answer after `queryTimeoutMs` (a frozen server or a dead network cancels nothing) and on a
 * connection after `connectTimeoutMs`. The client's budget is the larger, so a slow statement is
 * the server's to cancel and the connection survives it.
 */
export interface DbTimeouts {
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  /** 0: no server-side limit. */
  statementTimeoutMs: number;
  /** 0: no server-side limit. */
  lockTimeoutMs: number;
}

export interface DbOptions extends Partial<DbTimeouts> {
  url: string;
  driver?: Driver | "auto";
  poolMax?: number;
  /** Node before 22 has no global WebSocket; the Neon driver needs one (the `ws` package). */
  webSocketConstructor?: unknown;
  /**
   * host:port[/path] of a Neon-compatible WebSocket proxy (Neon's wsproxy) for the serverless
   * driver, spoken over plain ws:// as local development does. Unset: Neon's own endpoint.
   */
  neonWsProxy?: string;
  /** Called with each SQL statement the client sends (statement budgets, benchmarks, debugging). */
  onQuery?: (sql: string) => void;
}

/** The client options the app's configuration asks for (Node, Workers, seeds). */
export function dbOptions(config: Env, url: string): DbOptions {
  return {
    url,
    driver: config.DATABASE_DRIVER,
    poolMax: config.DB_POOL_MAX,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    neonWsProxy: config.NEON_WS_PROXY,
  };
}

type ClientClass = new (options: ConstructorParameters<typeof GeneratedClient>[0]) => GeneratedClient;

const extend = (client: GeneratedClient) => client.$extends(softDeleteExtension);

function clientOptions(options: DbOptions) {
  return {
    transactionOptions: TRANSACTION_OPTIONS,
    ...(options.onQuery && { log: [{ emit: "event" as const, level: "query" as const }] }),
  };
}

function build(PrismaClient: ClientClass, options: DbOptions, adapter: ConstructorParameters<typeof GeneratedClient>[0]["adapter"]): Db {
  const client = new PrismaClient({ adapter, ...clientOptions(options) } as ConstructorParameters<typeof GeneratedClient>[0]);
  const onQuery = options.onQuery;
  if (onQuery) (client as unknown as { $on(event: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) => onQuery(e.query));
  return extend(client);
}

/** The client every handler, job and seed works with: soft delete always on. */
export type Db = ReturnType<typeof extend>;

export function chooseDriver(url: string, requested: Driver | "auto" = "auto"): Driver {
  if (requested !== "auto") return requested;
  const scheme = url.slice(0, url.indexOf(":"));
  if (scheme === "prisma" || scheme === "prisma+postgres") return "accelerate";
  if (/\.neon\.tech$/i.test(hostOf(url))) return "neon";
  return "pg";
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

/**
 * The settings every session of the app starts with. A transaction-mode pooler refuses startup
 * parameters and would not keep them anyway, so through one the server-side limits come from the
 * role instead (`ALTER ROLE app SET statement_timeout = '2s'`) and the client's own timeouts
 * still bound every call.
 */
function sessionSettings(url: string, timeouts: DbTimeouts): Record<string, number> {
  if (isPooledUrl(url)) return {};
  const settings: Record<string, number> = {};
  if (timeouts.statementTimeoutMs > 0) settings.statement_timeout = timeouts.statementTimeoutMs;
  if (timeouts.lockTimeoutMs > 0) settings.lock_timeout = timeouts.lockTimeoutMs;
  // A transaction left open by a crashed request must not hold its locks past Prisma's own limit.
  settings.idle_in_transaction_session_timeout = TRANSACTION_OPTIONS.timeout;
  return settings;
}

/** node-postgres and Neon's driver (a node-postgres fork) take the same pool configuration. */
function poolConfig(options: DbOptions) {
  const timeouts: DbTimeouts = {
    connectTimeoutMs: options.connectTimeoutMs ?? DB_TIMEOUT_DEFAULTS.connectTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs ?? DB_TIMEOUT_DEFAULTS.queryTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs ?? DB_TIMEOUT_DEFAULTS.statementTimeoutMs,
    lockTimeoutMs: options.lockTimeoutMs ?? DB_TIMEOUT_DEFAULTS.lockTimeoutMs,
  };
  const { connectionString, schema } = splitConnectionString(options.url);
  return {
    pool: {
      connectionString: withSessionSettings(connectionString, sessionSettings(options.url, timeouts)),
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: timeouts.connectTimeoutMs,
      query_timeout: timeouts.queryTimeoutMs,
      idleTimeoutMillis: 30_000,
    },
    adapterOptions: schema ? { schema } : undefined,
  };
}

/** Distinct SQL texts a client prepares at most; past it, a new text runs unnamed, as before. */
export const PREPARED_STATEMENT_LIMIT = 500;

/**
 * Names for prepared statements, one per distinct SQL text, so each connection parses and plans
 * a statement once and then only binds it: Prisma's statements are few and fixed (its query
 * plan cache keeps them so), and on the read path this saves the server a parse and a plan per
 * statement (bench/analysis.md). Only over a direct connection: a transaction-mode pooler
 * (PgBouncer, Hyperdrive, Supavisor) hands each transaction another server connection, where a
 * statement prepared on the first does not exist.
 */
export function preparedStatementNames(limit = PREPARED_STATEMENT_LIMIT): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < limit) {
      name = `prisma_${names.size}`;
      names.set(sql, name);
    }
    // undefined: node-postgres runs it unnamed (the adapter passes the name straight through).
    return name as string;
  };
}

export function createDb(PrismaClient: ClientClass, options: DbOptions): Db {
  const driver = chooseDriver(options.url, options.driver);
  if (driver === "accelerate") {
    const client = new PrismaClient({ accelerateUrl: options.url, transactionOptions: TRANSACTION_OPTIONS });
    // Soft delete first: Accelerate's extension replaces the read methods (findFirst, findMany,
    // count, ...) with ones that call the client it extends, so an extension added after it never
    // sees those reads and trashed rows would show (test/db/accelerate.test.ts).
    return client.$extends(softDeleteExtension).$extends(withAccelerate()) as unknown as Db;
  }
  const { pool, adapterOptions } = poolConfig(options);
  if (driver === "neon") {
    if (options.webSocketConstructor) {
      neonConfig.webSocketConstructor = options.webSocketConstructor as typeof neonConfig.webSocketConstructor;
    }
    if (options.neonWsProxy) {
      // neonConfig is process-wide: one process talks to one kind of Neon endpoint.
      neonConfig.wsProxy = options.neonWsProxy;
      neonConfig.useSecureWebSocket = false;
      neonConfig.pipelineConnect = false;
    }
    return build(PrismaClient, options, new PrismaNeon(pool, adapterOptions));
  }
  const prepared = isPooledUrl(options.url) ? undefined : { statementNameGenerator: preparedStatementNames() };
  return build(PrismaClient, options, new PrismaPg(pool, { ...adapterOptions, ...prepared }));
}
