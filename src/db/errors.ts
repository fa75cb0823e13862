/**
 * What a database error means for the caller, whatever driver raised it: a missing row, a
 * conflict with an existing one, a value PostgreSQL refused (SQLSTATE class 22, data exception),
 * or a database that cannot answer right now. The HTTP layer maps each to one status, in one
 * place. Prisma wraps driver errors; the original kind survives in `meta.driverAdapterError`,
 * in `cause`, or in the error code.
 */
export type DatabaseFailure =
  | { kind: "not-found"; model?: string }
  | { kind: "conflict"; model?: string; fields: string[] }
  | { kind: "invalid-value"; sqlState?: string }
  | { kind: "unavailable"; timedOut: boolean };

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  originalCode?: unknown;
  cause?: unknown;
  table?: unknown;
  constraint?: { fields?: unknown; index?: unknown };
  meta?: { model?: unknown; modelName?: unknown; target?: unknown; driverAdapterError?: unknown };
}

const UNAVAILABLE_CODES = new Set([
  "P1001", // can't reach database server
  "P1002", // server reached but timed out
  "P1003", // database does not exist (dropped, or a branch being restored)
  "P1008", // operations timed out
  "P1017", // server closed the connection
  "P2024", // timed out fetching a connection from the pool
]);
const TIMEOUT_CODES = new Set(["P1002", "P1008", "P2024"]);

const UNAVAILABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
  "DatabaseDoesNotExist",
]);

/** Socket errnos, and SQLSTATEs of a server going away (57P01 admin shutdown, 57P03 cannot connect now). */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE", "57P01", "57P03"]);

/** The server's own time limits: statement_timeout (57014) and lock_timeout (55P03). */
const TIMEOUT_SQLSTATES = new Set(["57014", "55P03"]);

/** Prisma's names for data exceptions it detects itself: value too long, value out of range. */
const INVALID_VALUE_CODES = new Set(["P2000", "P2020"]);

/**
 * Messages of errors that carry no code: node-postgres' own (its query_timeout, a pool or
 * connection timeout, a dropped connection) and Workers' TCP sockets'.
 */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|proxy request failed|cannot connect to the specified address|Network connection lost|Stream was cancelled/i;
const TIMEOUT_MESSAGES = /Query read timeout|timeout exceeded when trying to connect|due to connection timeout/i;

/** The error and every error it wraps, outermost first. */
function* chain(error: unknown): Generator<ErrorShape> {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== "object" || e === null || seen.has(e) || seen.size > 10) continue;
    seen.add(e);
    const shape = e as ErrorShape;
    yield shape;
    queue.push(shape.meta?.driverAdapterError, shape.cause);
  }
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  const first = chain(error).next().value;
  const code = text(first?.code);
  if (code === "P2025") return { kind: "not-found", model: text(first?.meta?.model) ?? text(first?.meta?.modelName) };
  if (code === "P2002") return { kind: "conflict", model: text(first?.meta?.modelName), fields: conflictFields(error) };
  if (code && INVALID_VALUE_CODES.has(code)) return { kind: "invalid-value" };

  for (const e of chain(error)) {
    const sqlState = text(e.originalCode);
    if (sqlState?.startsWith("22")) return { kind: "invalid-value", sqlState };
    if (sqlState && TIMEOUT_SQLSTATES.has(sqlState)) return { kind: "unavailable", timedOut: true };
    const errorCode = text(e.code);
    const message = text(e.message) ?? "";
    if (TIMEOUT_MESSAGES.test(message) || (errorCode && TIMEOUT_CODES.has(errorCode)) || e.kind === "SocketTimeout") {
      return { kind: "unavailable", timedOut: true };
    }
    if (
      e.name === "PrismaClientInitializationError" ||
      (errorCode && (UNAVAILABLE_CODES.has(errorCode) || NETWORK_CODES.has(errorCode))) ||
      (typeof e.kind === "string" && UNAVAILABLE_KINDS.has(e.kind)) ||
      UNAVAILABLE_MESSAGES.test(message)
    ) {
      return { kind: "unavailable", timedOut: false };
    }
  }
  return undefined;
}

/**
 * The fields of a unique violation: Prisma's `target`, the driver's constraint fields, or the
 * fields named by Prisma's index naming (`<Table>_<field>_<field>_key`).
 */
function conflictFields(error: unknown): string[] {
  for (const e of chain(error)) {
    const target = e.meta?.target;
    if (Array.isArray(target)) return target.map(String);
    if (typeof target === "string") return [target];
    const fields = e.constraint?.fields;
    if (Array.isArray(fields)) return fields.map(String);
    const index = text(e.constraint?.index);
    const table = text(e.table);
    if (index && table && index.startsWith(`${table}_`) && index.endsWith("_key")) {
      return index.slice(table.length + 1, -"_key".length).split("_");
    }
  }
  return [];
}
