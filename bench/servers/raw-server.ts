import { serve } from "@hono/node-server";
import pg from "pg";
import { rawApp } from "./raw-app.ts";

/**
 * The floor on Node: the raw app over a `pg` pool of the same size as the API's (DB_POOL_MAX,
 * default 10), served by the same @hono/node-server. Env: DATABASE_URL, PORT, HOST, DB_POOL_MAX.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });
pool.on("error", () => {});
const app = rawApp(pool);
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3001), hostname: process.env.HOST ?? "127.0.0.1" }, () => {
  process.stdout.write("Press Ctrl-C to stop.\n");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    void pool.end().finally(() => process.exit(0));
  });
}
