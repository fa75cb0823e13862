import type { ExecutionContext } from "@cloudflare/workers-types";
import type { Context } from "hono";
import { createApp, type App } from "./app.ts";
import { createDb, dbOptions, type Db } from "./db/client.ts";
import { ConfigError, loadEnv, type Env } from "./env.ts";
import { PrismaClient } from "./generated/prisma-workerd/client.ts";
import type { AppEnv } from "./http/context.ts";
import { errorBody } from "./http/errors.ts";
import { writeMetrics } from "./http/metrics.ts";
import type { RateLimitBinding } from "./http/rate-limit.ts";

/**
 * Cloudflare Workers entry. A Worker may not reuse a connection opened by another request, so
 * each request gets its own Prisma Client (Neon's WebSocket pool, node-postgres over Workers' TCP
 * sockets, or Accelerate's HTTP), closed after the response through waitUntil.
 */
interface RequestBindings {
  db: Db;
  /** Writes after the response (ErrorLog, the request's metric): the client is closed once they settle. */
  after: Promise<unknown>[];
}

let app: App | undefined;
let config: Env | undefined;

/** A Cloudflare Rate Limiting binding from wrangler.toml's [[ratelimits]], when the Worker has it. */
function rateLimitBinding(value: unknown): RateLimitBinding | undefined {
  return typeof (value as RateLimitBinding | undefined)?.limit === "function" ? (value as RateLimitBinding) : undefined;
}

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    try {
      config ??= loadEnv(env);
    } catch (error) {
      if (error instanceof ConfigError) return Response.json(errorBody("MISCONFIGURED", error.message), { status: 500 });
      throw error;
    }
    if (!config.DATABASE_URL) {
      return Response.json(errorBody("MISCONFIGURED", "DATABASE_URL is not set for this Worker"), { status: 500 });
    }
    app ??= createApp({
      config,
      db: (c: Context<AppEnv>) => (c.env as RequestBindings).db,
      background: (c, work) => void (c.env as RequestBindings).after.push(work),
      metrics: (metric, c) => {
        const { db, after } = c.env as RequestBindings;
        after.push(writeMetrics(db, [metric]).catch(() => {}));
      },
      clientAddress: (c) => c.req.header("cf-connecting-ip"),
      rateLimits: { account: rateLimitBinding(env.AUTH_ACCOUNT_LIMITER), address: rateLimitBinding(env.AUTH_ADDRESS_LIMITER) },
    });
    // The workerd client is the same client built for another runtime; its types differ only by
    // the path of the generated module they come from.
    const db = createDb(PrismaClient as unknown as Parameters<typeof createDb>[0], { ...dbOptions(config, config.DATABASE_URL), poolMax: 1 });
    const after: Promise<unknown>[] = [];
    try {
      return await app.fetch(request, { db, after } satisfies RequestBindings, ctx);
    } finally {
      ctx.waitUntil(Promise.allSettled(after).then(() => db.$disconnect()));
    }
  },
};
