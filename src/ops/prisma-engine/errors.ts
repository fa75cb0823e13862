import { EngineError } from "./json-rpc.ts";
import { isWasmPanic, lastPanicMessage } from "./wasm.ts";

/** The shadow database could not be created or reached (the native engine's P3014). */
export class ShadowDatabaseError extends Error {
  constructor(override readonly cause: unknown) {
    super(`Could not create the shadow database: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

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
  const message = String(e.message ?? error);
  const behind = jsErrorBehind(message, registry);
  if (behind instanceof ShadowDatabaseError) {
    // The native engine's P3014, word for word.
    return new EngineError({
      is_panic: false,
      error_code: "P3014",
      meta: {},
      message:
        "Prisma Migrate could not create the shadow database. Please make sure the database user has permission to create databases.  " +
        `More info: https://pris.ly/d/migrate-shadow. Original error: \n${errorMessage(behind.cause)}`,
    });
  }
  if (behind !== undefined) return new EngineError({ is_panic: false, message: message.replace(EXTERNAL_ERROR, errorMessage(behind)) });
  return new EngineError({ is_panic: false, message });
}

// How the WASM engine words an error the adapter threw that is not a database error: the JS
// error itself stays in driver-adapter-utils' registry under that id.
const EXTERNAL_ERROR = /External error id#(\d+)/;

function jsErrorBehind(message: string, registry?: ErrorRegistry): unknown {
  const id = EXTERNAL_ERROR.exec(message)?.[1];
  return id === undefined ? undefined : registry?.consumeError(Number(id))?.error;
}

const errorMessage = (error: unknown) => String((error as { message?: unknown })?.message ?? error);
