import { AsyncLocalStorage } from "node:async_hooks";
import type { ExecutionContext } from "@cloudflare/workers-types";
import { Client } from "pg";
import { rawApp, type Queryable } from "../servers/raw-app.ts";

/**
 * The floor inside workerd: bench/servers/raw-app.ts over `pg`, one pg.Client per request,
 * connected on its first query and ended after the response, as src/worker.ts does with its
 * Prisma Client (a Worker may not reuse a connection across requests). The Hono app is built once
 * (its router compiles on the first request); each request's client reaches it through
 * AsyncLocalStorage, so concurrent requests never share a connection.
 */
interface Bindings {
  DATABASE_URL: string;
}

const current = new AsyncLocalStorage<Queryable>();
const app = rawApp({ query: (statement) => (current.getStore() as Queryable).query(statement) });

/** A client that connects on its first query: a request that needs no database opens no connection. */
function requestClient(url: string): Queryable & { end(): Promise<void> } {
  const client = new Client({ connectionString: url });
  let connected: Promise<unknown> | undefined;
  return {
    async query(statement) {
      await (connected ??= client.connect());
      return client.query(statement);
    },
    end: async () => {
      if (connected) await client.end();
    },
  };
}

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const db = requestClient(env.DATABASE_URL);
    try {
      return await current.run(db, () => app.fetch(request, env, ctx));
    } finally {
      ctx.waitUntil(db.end().catch(() => {}));
    }
  },
};
