import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/ops/embedded/postgres.ts";
import { withStatementStats } from "../../src/ops/embedded/statement-stats.ts";
import { connect } from "../../src/ops/sql.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { deployMigrations } from "../../src/ops/migrations/deploy.ts";

export const TEMPLATE_DB = "app_template";

/**
 * One real PostgreSQL for the whole run. A template database gets every migration once;
 * each test file then clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), "edge-pg-test-"));
  // mkdtemp makes the folder private; as root, the server runs as `postgres` and must enter it.
  chmodSync(root, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: join(root, "data"),
    persistent: false,
    // Tests need no durability; this makes them faster on small machines. pg_stat_statements is
    // preloaded (where the binaries ship it) but created in no database: a test creates it in its own.
    settings: await withStatementStats({ fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: "200" }),
  });
  const admin = await connect(server.url("postgres"));
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.close();

  const template = await connect(server.url(TEMPLATE_DB));
  await deployMigrations(template, readMigrations("prisma/migrations"));
  await template.close();

  project.provide("pg", { adminUrl: server.url("postgres"), urlPrefix: server.url(""), template: TEMPLATE_DB, port: server.port });

  return async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pg: { adminUrl: string; urlPrefix: string; template: string; port: number };
  }
}
