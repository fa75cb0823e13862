import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { DriverAdapterError, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { quoteIdent } from "../sql.ts";
import { ShadowDatabaseError } from "./errors.ts";
import { parsePostgresUrl, withDatabase, type PostgresTarget } from "./postgres-url.ts";

export interface EngineDatasource {
  url: string;
  /** When set, `migrate dev`/`diff --from-migrations` reset and use this database as the shadow. */
  shadowDatabaseUrl?: string | undefined;
}

// PostgreSQL's internal one-byte "char" type (pg_class.relkind, pg_constraint.contype, ...), which
// the engine's catalog queries return and @prisma/adapter-pg does not map. node-postgres already
// reads it as a string, so the engine gets it as text.
const CHAR_OID = 18;
const TEXT_OID = 25;

/** node-postgres' Client, reporting "char" columns as text before the adapter sees their types. */
class CatalogClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const connection = (this as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.prependListener("rowDescription", (message: { fields: { dataTypeID: number }[] }) => {
      for (const field of message.fields) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    });
  }
}

/**
 * The driver adapter the WASM schema engine talks through: @prisma/adapter-pg, with what the
 * native engine does differently put back:
 * - one connection per database, as the native engine has (its advisory lock and session
 *   settings must stay on the session that took them; the engine opens no transactions on
 *   PostgreSQL, which on one connection would wait for any query issued beside them);
 * - `executeScript` sends the whole migration as one simple query (adapter-pg splits it on every
 *   `;`, which breaks functions, string literals and the implicit transaction of a script);
 * - the shadow database is created on the server of the main database, and dropped with FORCE
 *   once its connection is closed (adapter-pg connects its pool to the main database instead).
 */
export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "@prisma/adapter-pg";
  /** Cleanups of everything still open, run by close() whatever the engine disposed itself. */
  private readonly cleanups = new Set<() => Promise<void>>();
  /**
   * The last script that failed in `executeScript` and its PostgreSQL error. The WASM engine
   * reports a failed migration as a bare "external connector error"; with this, a failed
   * `applyMigrations` is reported as the native engine does (P3018, with the SQLSTATE).
   */
  lastScriptFailure: { script: string; code: string; error: string } | undefined;

  constructor(private readonly datasource: EngineDatasource) {}

  connect(): Promise<SqlDriverAdapter> {
    return this.open(parsePostgresUrl(this.datasource.url));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    try {
      return await this.openShadowDb();
    } catch (error) {
      throw new ShadowDatabaseError(error);
    }
  }

  private async openShadowDb(): Promise<SqlDriverAdapter> {
    if (this.datasource.shadowDatabaseUrl) {
      const target = parsePostgresUrl(this.datasource.shadowDatabaseUrl);
      await resetSchema(target);
      return this.open(target);
    }
    const main = parsePostgresUrl(this.datasource.url);
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    await withAdminClient(main, (admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)}`));
    const drop = () => withAdminClient(main, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)).then(() => {});
    return this.open({ ...main, database: name, connectionString: withDatabase(main.connectionString, name) }, drop);
  }

  /** Closes every connection still open and drops every shadow database still there. */
  async close(): Promise<void> {
    for (const cleanup of [...this.cleanups]) await cleanup().catch(() => {});
  }

  private async open(target: PostgresTarget, afterClose?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: 1,
      idleTimeoutMillis: 0,
      application_name: "prisma-schema-engine",
      Client: CatalogClient,
      ...(target.schema === "public" ? {} : { options: `-c search_path=${quoteIdent(target.schema).replaceAll(" ", "\\ ")}` }),
    });
    const base = await new PrismaPg(pool, { schema: target.schema, disposeExternalPool: true }).connect();
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      this.cleanups.delete(close);
      await base.dispose();
      await afterClose?.();
    };
    this.cleanups.add(close);
    return {
      provider: base.provider,
      adapterName: base.adapterName,
      queryRaw: (query) => base.queryRaw(query),
      executeRaw: (query) => base.executeRaw(query),
      startTransaction: (isolationLevel) => base.startTransaction(isolationLevel),
      getConnectionInfo: () => base.getConnectionInfo(),
      executeScript: async (script) => {
        this.lastScriptFailure = undefined;
        try {
          await pool.query(script);
        } catch (error) {
          const e = error as Partial<pg.DatabaseError>;
          if (typeof e.code === "string") this.lastScriptFailure = { script, code: e.code, error: describePostgresError(e) };
          throw toDriverAdapterError(error);
        }
      },
      dispose: close,
    };
  }
}

/** The maintenance connection for CREATE/DROP DATABASE: the main database, else `postgres`. */
async function withAdminClient<T>(target: PostgresTarget, run: (client: pg.Client) => Promise<T>): Promise<T> {
  let client = new pg.Client({ connectionString: target.connectionString, application_name: "prisma-schema-engine" });
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code !== "3D000") throw error;
    client = new pg.Client({ connectionString: withDatabase(target.connectionString, "postgres"), application_name: "prisma-schema-engine" });
    await client.connect();
  }
  client.on("error", () => {});
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A configured shadow database is emptied before use, as the native engine does. */
async function resetSchema(target: PostgresTarget): Promise<void> {
  const client = new pg.Client({ connectionString: target.connectionString, application_name: "prisma-schema-engine" });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(target.schema)} CASCADE; CREATE SCHEMA ${quoteIdent(target.schema)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** As psql prints it: `ERROR: ...`, then DETAIL and HINT lines. */
function describePostgresError(e: Partial<pg.DatabaseError>): string {
  const lines = [`${e.severity ?? "ERROR"}: ${e.message ?? ""}`];
  if (e.detail) lines.push(`DETAIL: ${e.detail}`);
  if (e.hint) lines.push(`HINT: ${e.hint}`);
  if (e.position) lines.push(`POSITION: ${e.position}`);
  return lines.join("\n");
}

/** A PostgreSQL error in the shape the engine renders as "Database error code: ...". */
function toDriverAdapterError(error: unknown): unknown {
  const e = error as Partial<pg.DatabaseError>;
  if (typeof e.code !== "string" || typeof e.severity !== "string" || typeof e.message !== "string") return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: e.code,
    severity: e.severity,
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
    originalCode: e.code,
    originalMessage: e.message,
  });
}
