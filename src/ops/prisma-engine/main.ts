import { parseArgs, UsageError, type EngineArgs } from "./args.ts";
// The rest is imported by the mode that needs it: the CLI starts this process several times per
// command, and `cli can-connect-to-database` needs neither the WASM engine nor the adapter.

/**
 * A stand-in for Prisma's native `schema-engine` binary (which Prisma's CLI downloads, and this
 * machine cannot): same arguments, same JSON-RPC on stdin/stdout, same log lines on stderr, with
 * the work done by Prisma's own engine compiled to WebAssembly over @prisma/adapter-pg.
 * Prisma's CLI uses it when PRISMA_SCHEMA_ENGINE_BINARY points at bin/prisma-schema-engine.
 */
export async function main(argv: string[]): Promise<number> {
  let args: EngineArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`prisma-schema-engine: ${error.message}\n`);
    return 2;
  }
  switch (args.mode) {
    case "version": {
      const { loadSchemaEngineWasm } = await import("./wasm.ts");
      const wasm = await loadSchemaEngineWasm();
      process.stdout.write(`schema-engine-cli ${wasm.version()}\n`);
      return 0;
    }
    case "help":
      process.stdout.write(
        "Usage: prisma-schema-engine --datamodels <schema.prisma>... --datasource '{\"url\":...}' [cli <command>]\n" +
          "Speaks the native schema engine's JSON-RPC on stdin/stdout; started by Prisma's CLI.\n",
      );
      return 0;
    case "cli":
      return runOneShot(args.command, args.datasource.url);
    case "rpc":
      return runRpc(args.datamodels, args.datasource);
  }
}

/**
 * `cli <command>`: the answer is the exit code, and on failure a JSON log line the CLI parses
 * (it skips the first line of stderr, so a start line comes first, as with the native engine).
 */
async function runOneShot(command: "can-connect-to-database" | "create-database" | "drop-database", url: string): Promise<number> {
  log("INFO", "schema_engine_cli", { message: `Starting schema engine CLI: ${command}` });
  const { canConnect, createDatabase, dropDatabase } = await import("./databases.ts");
  const { toEngineError } = await import("./errors.ts");
  try {
    if (command === "can-connect-to-database") await canConnect(url);
    else if (command === "create-database") await createDatabase(url);
    else await dropDatabase(url);
    return 0;
  } catch (error) {
    const { data } = toEngineError(error);
    log("ERROR", "schema_engine::logger", { is_panic: data.is_panic, error_code: data.error_code ?? "", message: data.message });
    return 1;
  }
}

async function runRpc(datamodels: string[], datasource: { url: string; shadowDatabaseUrl?: string | undefined } | undefined): Promise<number> {
  log("INFO", "schema_engine::rpc", { message: "Starting schema engine RPC server" });
  const { EngineSession } = await import("./engine.ts");
  const { EngineError, serveJsonRpc } = await import("./json-rpc.ts");
  const session = datasource ? new EngineSession({ datamodels, datasource, log: (line) => process.stderr.write(`${line}\n`) }) : undefined;
  // The CLI ends the engine by closing stdin and, on Linux, sending SIGTERM right after; Ctrl-C
  // sends SIGINT. Either way a shadow database still open is dropped before the process ends.
  const stop = () => {
    setTimeout(() => process.exit(0), 5_000).unref();
    void (session?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.on("uncaughtException", (error) => {
    if (session?.failCurrentRequest(error)) return;
    log("ERROR", "schema_engine::rpc", { is_panic: false, message: String(error?.stack ?? error) });
    process.exit(1);
  });
  await serveJsonRpc(process.stdin, process.stdout, (method, params, context) => {
    if (!session) throw new EngineError({ is_panic: false, message: "No datasource: set `datasource.url` in prisma.config.ts." });
    return session.handle(method, params, context);
  });
  await session?.close();
  return 0;
}

function log(level: "INFO" | "ERROR", target: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target })}\n`);
}
