import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaNeon } from "@prisma/adapter-neon";
import { neonConfig } from "@neondatabase/serverless";
import { withAccelerate } from "@prisma/extension-accelerate";
import type { PrismaClient as GeneratedClient } from "../generated/prisma/client.ts";
import { softDeleteExtension } from "./soft-delete.ts";
import { splitConnectionString } from "./url.ts";

/**
 * The one place that turns configuration into a Prisma Client. It never imports a generated
 * client itself: the entry point passes the class built for its runtime (nodejs or workerd),
 * so this module runs unchanged on Node, Workers and Vercel.
 */

export type Driver = "pg" | "neon" | "accelerate";

/** The guide's serverless transaction settings. */
export const TRANSACTION_OPTIONS = { maxWait: 5_000, timeout: 10_000 } as const;

export interface DbOptions {
  url: string;
  driver?: Driver | "auto";
  poolMax?: number;
  connectTimeoutMs?: number;
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

export function createDb(PrismaClient: ClientClass, options: DbOptions): Db {
  const driver = chooseDriver(options.url, options.driver);
  if (driver === "accelerate") {
    const client = new PrismaClient({ accelerateUrl: options.url, transactionOptions: TRANSACTION_OPTIONS });
    // Accelerate's extension adds caching options to reads; the soft-delete API stays the same.
    return client.$extends(withAccelerate()).$extends(softDeleteExtension) as unknown as Db;
  }
  const { connectionString, schema } = splitConnectionString(options.url);
  const adapterOptions = schema ? { schema } : undefined;
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
    const adapter = new PrismaNeon(
      { connectionString, max: options.poolMax ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000 },
      adapterOptions,
    );
    return build(PrismaClient, options, adapter);
  }
  const adapter = new PrismaPg(
    {
      connectionString,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
    },
    adapterOptions,
  );
  return build(PrismaClient, options, adapter);
}
