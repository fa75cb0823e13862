/**
 * Recognises "the database cannot be reached right now", whatever driver raised it, so the API
 * can answer 503 instead of 500. Prisma wraps driver errors; the original kind survives in
 * `cause` or in the error code.
 */
const UNAVAILABLE_CODES = new Set([
  "P1001", // can't reach database server
  "P1002", // server reached but timed out
  "P1003", // database does not exist (dropped, or a branch being restored)
  "P1008", // operations timed out
  "P1017", // server closed the connection
  "P2024", // timed out fetching a connection from the pool
]);

const UNAVAILABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
  "DatabaseDoesNotExist",
]);

const NETWORK_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE", "57P01", "57P03"]);

/** Messages of errors that carry no code: node-postgres' own, and Workers' TCP sockets'. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|proxy request failed|cannot connect to the specified address|Network connection lost|Stream was cancelled/i;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  const e = error as { name?: string; code?: unknown; kind?: unknown; cause?: unknown; message?: unknown; meta?: { driverAdapterError?: unknown } };
  if (e.name === "PrismaClientInitializationError") return true;
  if (typeof e.code === "string" && (UNAVAILABLE_CODES.has(e.code) || NETWORK_ERRNOS.has(e.code))) return true;
  if (typeof e.kind === "string" && UNAVAILABLE_KINDS.has(e.kind)) return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1) || isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1);
}

/** Prisma's unique-constraint violation, with the fields it names when it can. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { kind?: unknown } } | null;
  return e?.code === "P2002" || e?.cause?.kind === "UniqueConstraintViolation";
}

/** Prisma's "record to update/delete/connect not found". */
export function isRecordNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2025";
}
