import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";

export type { SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

/**
 * The Rust panic hook of the WASM engine writes the panic message here before it traps (the trap
 * itself is only "RuntimeError: unreachable"). Prisma's CLI installs the same global.
 */
class PanicRegistry {
  message = "";
  get(): string {
    return this.message;
  }
  set_message(message: string): void {
    this.message = message;
  }
}

const registry = new PanicRegistry();
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry }).PRISMA_WASM_PANIC_REGISTRY = registry;

/** The panic message of the last trap, if the engine panicked. */
export function lastPanicMessage(): string | undefined {
  return registry.message || undefined;
}

let loaded: typeof bindings | undefined;

/**
 * Instantiates `@prisma/schema-engine-wasm` by hand: its entry point imports the `.wasm` file as an
 * ES module, which Node only allows behind --experimental-wasm-modules. The bindings module
 * (`schema_engine_bg.js`) is the wasm module's only import, so we hand it over ourselves.
 */
export async function loadSchemaEngineWasm(): Promise<typeof bindings> {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const bindingsPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const bytes = readFileSync(bindingsPath.replace(/schema_engine_bg\.js$/, "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  loaded = bindings;
  return bindings;
}

export function isWasmPanic(error: unknown): boolean {
  return error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.name === "RuntimeError");
}
