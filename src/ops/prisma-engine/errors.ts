import { EngineError } from "./json-rpc.ts";
import { isWasmPanic, lastPanicMessage } from "./wasm.ts";

interface ErrorRegistry {
  consumeError(id: number): { error: unknown } | undefined;
}

/**
 * The WASM engine rejects with JS errors; the CLI expects the native engine's error data:
 * user-facing errors carry a P-code (`error_code`) and `meta`, panics `is_panic`.
 */
export function toEngineError(error: unknown, registry?: ErrorRegistry): EngineError {
  if (error instanceof EngineError) return error;
  if (isWasmPanic(error)) {
    return new EngineError({ is_panic: true, message: lastPanicMessage() ?? String((error as Error).message), backtrace: (error as Error).stack ?? "" });
  }
  const e = error as { code?: unknown; message?: unknown; meta?: unknown; cause?: unknown; stack?: unknown };
  if (typeof e.code === "string" && /^P\d{4}$/.test(e.code)) {
    return new EngineError({ is_panic: false, message: String(e.message ?? ""), error_code: e.code, meta: e.meta ?? {} });
  }
  const fromJs = jsErrorBehind(e, registry);
  if (fromJs) return new EngineError({ is_panic: false, message: fromJs });
  return new EngineError({ is_panic: false, message: String(e.message ?? error) });
}

/** A JS error the adapter threw (wrapped by driver-adapter-utils as `GenericJs` with an id). */
function jsErrorBehind(error: { message?: unknown; cause?: unknown }, registry?: ErrorRegistry): string | undefined {
  const cause = error.cause as { kind?: unknown; id?: unknown } | undefined;
  if (!registry || cause?.kind !== "GenericJs" || typeof cause.id !== "number") return undefined;
  const original = registry.consumeError(cause.id)?.error as { message?: unknown } | undefined;
  return original ? String(original.message ?? original) : undefined;
}
