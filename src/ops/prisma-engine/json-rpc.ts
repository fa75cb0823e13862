import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

/** The error payload Prisma's CLI reads: `error.data` is what it shows, `error_code` its P-code. */
export interface EngineErrorData {
  is_panic: boolean;
  message: string;
  error_code?: string;
  meta?: unknown;
  backtrace?: string;
}

/** An engine failure the JSON-RPC layer answers with Prisma's error envelope. */
export class EngineError extends Error {
  constructor(readonly data: EngineErrorData) {
    super(data.message);
  }
}

// The native engine's code and message for every engine error; the details are in `data`.
const ENGINE_ERROR_CODE = 4466;
const ENGINE_ERROR_MESSAGE = "An error happened. Check the data field for details.";

export interface RpcContext {
  /** Asks the CLI to print `content` on its stdout (how `migrate diff` output travels). */
  print(content: string): Promise<void>;
}

export type RpcHandler = (method: string, params: unknown, context: RpcContext) => Promise<unknown>;

type Id = number | string;
interface Message {
  jsonrpc?: string;
  id?: Id | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/**
 * Newline-delimited JSON-RPC 2.0 over stdin/stdout, as Prisma's CLI speaks it to the native
 * schema engine: its requests are answered one at a time, in order; the engine's own requests
 * to the CLI (`print`) wait for the CLI's answer. Resolves once stdin ends and every request
 * read so far has been answered.
 */
export function serveJsonRpc(input: Readable, output: Writable, handle: RpcHandler): Promise<void> {
  const send = (message: Message) => output.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  const waiting = new Map<Id, () => void>();
  let nextId = 1;
  let closed = false;
  const context: RpcContext = {
    print: (content) =>
      new Promise<void>((resolve) => {
        const id = `print-${nextId++}`;
        send({ id, method: "print", params: { content } });
        // Nobody is left to answer once stdin is closed.
        if (closed) resolve();
        else waiting.set(id, resolve);
      }),
  };

  let queue = Promise.resolve();
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    let message: Message;
    try {
      message = JSON.parse(line) as Message;
    } catch {
      send({ id: null, error: { code: -32700, message: "Parse error" } });
      return;
    }
    if (message.method === undefined) {
      // The CLI's answer to one of our requests.
      if (message.id !== undefined && message.id !== null) {
        waiting.get(message.id)?.();
        waiting.delete(message.id);
      }
      return;
    }
    const { id, method, params } = message;
    queue = queue.then(async () => {
      try {
        const result = await handle(method, params, context);
        if (id !== undefined && id !== null) send({ id, result: result ?? null });
      } catch (error) {
        if (id === undefined || id === null) return;
        if (error instanceof EngineError) send({ id, error: { code: ENGINE_ERROR_CODE, message: ENGINE_ERROR_MESSAGE, data: error.data } });
        else if (error instanceof MethodNotFound) send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
        else send({ id, error: { code: ENGINE_ERROR_CODE, message: ENGINE_ERROR_MESSAGE, data: { is_panic: false, message: String((error as Error)?.message ?? error) } } });
      }
    });
  });
  return new Promise((resolve) =>
    lines.on("close", () => {
      closed = true;
      // Nobody is left to answer a `print`: let the requests waiting on one finish.
      for (const release of waiting.values()) release();
      waiting.clear();
      void queue.then(resolve);
    }),
  );
}

export class MethodNotFound extends Error {}
