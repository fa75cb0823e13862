import { readFileSync } from "node:fs";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { MigrationAdapterFactory, type EngineDatasource } from "./adapter.ts";
import { canConnect, createDatabase } from "./databases.ts";
import { toEngineError } from "./errors.ts";
import { EngineError, MethodNotFound, type RpcContext } from "./json-rpc.ts";
import { withDatabase } from "./postgres-url.ts";
import { loadSchemaEngineWasm, type SchemaEngine } from "./wasm.ts";

export interface EngineOptions {
  /** `--datamodels`: the Prisma schema files, read once at start as the native engine does. */
  datamodels: string[];
  datasource: EngineDatasource;
  /** Where the engine's log lines go (JSON, one per line, like the native engine's stderr). */
  log: (line: string) => void;
}

// The JSON-RPC methods Prisma's CLI calls that the WASM class has under the same name.
const FORWARDED = new Set([
  "applyMigrations",
  "createMigration",
  "dbExecute",
  "devDiagnostic",
  "diagnoseMigrationHistory",
  "ensureConnectionValidity",
  "evaluateDataLoss",
  "introspect",
  "introspectSql",
  "markMigrationApplied",
  "markMigrationRolledBack",
  "reset",
  "schemaPush",
]);

type DiffParams = Parameters<SchemaEngine["diff"]>[0];

interface Started {
  engine: SchemaEngine;
  factory: MigrationAdapterFactory;
  registry: ReturnType<typeof bindMigrationAwareSqlAdapterFactory>["errorRegistry"];
  /** Set when the engine runs on the maintenance database because the configured one is missing. */
  missingDatabase?: EngineError;
}

/**
 * One engine process: one WASM engine over one driver adapter, created on the first request (so
 * a CLI that only asks for the version never connects), kept for the next ones, because some
 * methods rely on state an earlier one left (`createMigration` after `devDiagnostic`).
 */
export class EngineSession {
  private started: Promise<Started> | undefined;
  private readonly warmed = new Set<string>();
  private closing: Promise<void> | undefined;
  private failInFlight: ((error: unknown) => void) | undefined;

  constructor(private readonly options: EngineOptions) {}

  async handle(method: string, params: unknown, context: RpcContext): Promise<unknown> {
    if (method === "createDatabase") return createDatabase(urlOf(params) ?? this.options.datasource.url);
    if (method === "getDatabaseDescription") {
      throw new EngineError({ is_panic: false, message: "getDatabaseDescription is not supported by the WebAssembly schema engine." });
    }
    const { engine, factory, registry, missingDatabase } = await this.start(method, params);
    if (missingDatabase && !(method === "diff" && !diffReadsDatabase(params as DiffParams))) throw missingDatabase;
    try {
      return await new Promise((resolve, reject) => {
        this.failInFlight = reject;
        this.call(engine, method, params, context).then(resolve, reject);
      });
    } catch (error) {
      if (error instanceof MethodNotFound || error instanceof EngineError) throw error;
      const engineError = toEngineError(error, registry);
      if (method === "applyMigrations" && !engineError.data.error_code) throw failedMigrationError(factory, params) ?? engineError;
      throw engineError;
    } finally {
      this.failInFlight = undefined;
    }
  }

  /**
   * Fails the request in flight with an error thrown outside of it: the WASM engine throws
   * some errors (a malformed request it cannot deserialize) from a callback, where they surface
   * as uncaught exceptions instead of rejecting the call. False when no request is in flight.
   */
  failCurrentRequest(error: unknown): boolean {
    if (!this.failInFlight) return false;
    this.failInFlight(error);
    return true;
  }

  private async call(engine: SchemaEngine, method: string, params: unknown, context: RpcContext): Promise<unknown> {
    if (method === "diff") {
      // The WASM engine returns the diff; the native one has the CLI print it.
      const { stdout, ...rest } = await engine.diff(params as DiffParams);
      if (stdout) await context.print(stdout);
      return rest;
    }
    if (method === "getDatabaseVersion") return await engine.version(params as Parameters<SchemaEngine["version"]>[0]);
    if (method === "debugPanic") return engine.debugPanic();
    if (!FORWARDED.has(method)) throw new MethodNotFound(method);
    if (method === "evaluateDataLoss" || method === "createMigration") await this.warmMigrationsSchema(engine, params);
    const call = (engine as unknown as Record<string, (input: unknown) => Promise<unknown>>)[method] as (input: unknown) => Promise<unknown>;
    // Called on the engine itself: the wasm-bindgen methods read `this.__wbg_ptr`.
    return (await call.call(engine, params ?? {})) ?? {};
  }

  /** Frees the engine, closes every connection and drops the shadow databases left behind. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const started = await this.started?.catch(() => undefined);
      if (!started) return;
      try {
        started.engine.free();
      } catch {
        // A panicked engine cannot be freed; the process is about to end anyway.
      }
      await started.factory.close();
    })();
    return this.closing;
  }

  /**
   * `evaluateDataLoss` and `createMigration` only read the schema of the migrations folder from
   * the engine's cache, which `devDiagnostic` fills by replaying the migrations in a shadow
   * database; without it they fail ("PostgreSQL shadow DB must be provided through an external
   * factory"), where the native engine would replay them itself. The CLI's own devDiagnostic ran
   * before the pending migrations were applied, when the engine had no reason to replay them,
   * so one more (it only reads) fills the cache.
   */
  private async warmMigrationsSchema(engine: SchemaEngine, params: unknown): Promise<void> {
    const { migrationsList, filters } = params as Parameters<SchemaEngine["devDiagnostic"]>[0];
    const key = JSON.stringify(migrationsList?.migrationDirectories ?? null);
    if (!migrationsList || this.warmed.has(key)) return;
    await engine.devDiagnostic({ migrationsList, filters: filters ?? { externalTables: [], externalEnums: [] } });
    this.warmed.add(key);
  }

  private start(method: string, params: unknown): Promise<Started> {
    this.started ??= (async () => {
      const { datasource } = this.options;
      let url = datasource.url;
      let missingDatabase: EngineError | undefined;
      try {
        // Connection problems as the native engine words them (P1000, P1001, P1003).
        await canConnect(url);
      } catch (error) {
        // The native engine runs `migrate diff` between files without touching the database; the
        // WASM engine needs a connection, so it gets one to the same server's maintenance database.
        const diffOnFiles = method === "diff" && !diffReadsDatabase(params as DiffParams);
        if (!(error instanceof EngineError && error.data.error_code === "P1003" && diffOnFiles)) throw error;
        missingDatabase = error;
        url = withDatabase(url, "postgres");
      }
      const factory = new MigrationAdapterFactory({ ...datasource, url, shadowDatabaseUrl: datasource.shadowDatabaseUrl });
      const bound = bindMigrationAwareSqlAdapterFactory(factory);
      const wasm = await loadSchemaEngineWasm();
      const datamodels = this.options.datamodels.map((path): [string, string] => [path, readFileSync(path, "utf8")]);
      try {
        const engine = await wasm.SchemaEngine.new({ datamodels: datamodels.length > 0 ? datamodels : undefined }, this.options.log, bound);
        return { engine, factory, registry: bound.errorRegistry, ...(missingDatabase ? { missingDatabase } : {}) };
      } catch (error) {
        await factory.close();
        throw toEngineError(error, bound.errorRegistry);
      }
    })();
    return this.started;
  }
}

/** Whether a diff reads the configured database (`--from/--to-config-datasource`). */
function diffReadsDatabase(params: DiffParams): boolean {
  const reads = (target: DiffParams["from"] | undefined) => target?.tag === "schemaDatasource" || target?.tag === "url";
  return reads(params?.from) || reads(params?.to);
}

/** P3018, as the native engine reports a migration whose script failed. */
function failedMigrationError(factory: MigrationAdapterFactory, params: unknown): EngineError | undefined {
  const failure = factory.lastScriptFailure;
  if (!failure) return undefined;
  const directories = (params as Parameters<SchemaEngine["applyMigrations"]>[0]).migrationsList?.migrationDirectories ?? [];
  const failed = directories.find((dir) => dir.migrationFile.content.tag === "ok" && dir.migrationFile.content.value === failure.script);
  if (!failed) return undefined;
  const meta = { migration_name: failed.path, database_error_code: failure.code, database_error: failure.error };
  return new EngineError({
    is_panic: false,
    error_code: "P3018",
    meta,
    message:
      "A migration failed to apply. New migrations cannot be applied before the error is recovered from. " +
      "Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n" +
      `Migration name: ${meta.migration_name}\n\nDatabase error code: ${meta.database_error_code}\n\nDatabase error:\n${meta.database_error}\n`,
  });
}

function urlOf(params: unknown): string | undefined {
  const datasource = (params as { datasource?: { tag?: string; url?: unknown } } | undefined)?.datasource;
  return datasource?.tag === "ConnectionString" && typeof datasource.url === "string" ? datasource.url : undefined;
}
