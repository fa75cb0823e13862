import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { connect, quoteIdent } from "../../src/ops/sql.ts";

/**
 * A database of this test file's own, cloned from the migrated template (or empty), dropped
 * when the file's tests end.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<{ url: string; name: string }> {
  const pg = inject("pg");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = await connect(pg.adminUrl);
  try {
    await admin.query(options.empty ? `CREATE DATABASE ${quoteIdent(name)}` : `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(pg.template)}`);
  } finally {
    await admin.close();
  }
  afterAll(async () => {
    const cleanup = await connect(pg.adminUrl);
    await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).finally(() => cleanup.close());
  });
  return { url: pg.urlPrefix + name, name };
}
