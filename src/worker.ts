import type { ExecutionContext } from "@cloudflare/workers-types";
import type { Context } from "hono";
import { createApp, type App } from "./app.ts";
import { createDb, type Db } from "./db/client.ts";
import { ConfigError, loadEnv, type Env } from "./env.ts";
import { PrismaClient } from "./generated/prisma-workerd/client.ts";
import type { AppEnv } from "./http/context.ts";
import { errorBody } from "./http/errors.ts";

/**
 * Cloudflare Workers entry. A Worker may not reuse a connection opened by another request, so
 * each request gets its own Prisma Client (Neon's WebSocket pool, node-postgres over Workers' TCP
 * sockets, or Accelerate's HTTP), closed after the response through waitUntil.
 */
interface RequestBindings {
  db: Db;
}

let app: App | undefined;
let config: Env | undefined;

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
      background: (c, work) => c.executionCtx.waitUntil(work),
    });
    // The workerd client is the same client built for another runtime; its types differ only by
    // the path of the generated module they come from.
    const db = createDb(PrismaClient as unknown as Parameters<typeof createDb>[0], {
      url: config.DATABASE_URL,
      driver: config.DATABASE_DRIVER,
      poolMax: 1,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      neonWsProxy: config.NEON_WS_PROXY,
    });
    try {
      return await app.fetch(request, { db } satisfies RequestBindings, ctx);
    } finally {
      ctx.waitUntil(db.$disconnect());
    }
  },
};
