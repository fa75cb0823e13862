import { sha256Hex } from "../auth/crypto.ts";
import type { Db } from "../db/client.ts";

/**
 * Unexpected errors go to the ErrorLog table, one row per kind of error: the fingerprint (method,
 * route pattern, error class, message with ids and numbers stripped) is the row's key, and a
 * repeat raises its count and last-seen time, so a flood of the same failure adds no rows. A
 * repeat of a resolved error reopens it. Nothing is written while maintenance is on.
 */
export interface ErrorOccurrence {
  error: unknown;
  method: string;
  /** The route pattern (`/api/v1/notes/:id`), never the path with its ids. */
  route: string;
  status: number;
  userId?: string | null;
  requestId: string;
  /** The client's own id for the request, for the console line only. */
  clientRequestId?: string;
}

/** Ids, tokens and numbers vary between repeats of the same error; the fingerprint ignores them. */
function normalize(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}\b/g, "<id>")
    .replace(/\d+/g, "<n>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 1_000);
}

/** Text PostgreSQL can store: an error message may quote the very input that broke the request. */
const storable = (text: string, max: number) => text.replaceAll("\u0000", "").toWellFormed().slice(0, max);

function errorClass(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown } | null;
  const name = typeof e?.name === "string" ? e.name : "Error";
  return typeof e?.code === "string" ? `${name}:${e.code}` : name;
}

async function errorFingerprint(occurrence: Pick<ErrorOccurrence, "error" | "method" | "route">): Promise<string> {
  const message = occurrence.error instanceof Error ? occurrence.error.message : String(occurrence.error);
  return sha256Hex([occurrence.method, occurrence.route, errorClass(occurrence.error), normalize(message)].join("\n"));
}

/** When each fingerprint's stack was last written to the console by this process (bounded). */
const stackLogged = new Map<string, number>();
const STACK_EVERY_MS = 60_000;

/** The console gets the stack of a kind of error once a minute, and one line for each repeat. */
function logToConsole(occurrence: ErrorOccurrence, e: Error, fingerprint: string, path: string): void {
  const now = Date.now();
  const repeat = now - (stackLogged.get(fingerprint) ?? -Infinity) < STACK_EVERY_MS;
  if (!repeat) {
    if (stackLogged.size >= 1_000) stackLogged.clear();
    stackLogged.set(fingerprint, now);
  }
  const client = occurrence.clientRequestId ? ` client ${occurrence.clientRequestId}` : "";
  const head = `[${occurrence.requestId}${client}] ${occurrence.method} ${path}:`;
  console.error(repeat ? `${head} ${errorClass(e)} again (stack logged within the last minute)` : `${head} ${e.stack ?? e.message}`);
}

/**
 * Records one occurrence: the console line, then the ErrorLog row. `path` is the request's own
 * path, for the console only; the row keeps the route pattern.
 */
export async function recordError(db: Db, occurrence: ErrorOccurrence, path: string): Promise<void> {
  const e = occurrence.error instanceof Error ? occurrence.error : new Error(String(occurrence.error));
  const fingerprint = await errorFingerprint(occurrence);
  logToConsole(occurrence, e, fingerprint, path);
  const maintenance = await db.maintenanceMode.findUnique({ where: { id: 1 }, select: { enabled: true } });
  if (maintenance?.enabled) return;
  const now = new Date();
  const latest = {
    lastSeenAt: now,
    message: storable(e.message, 2_000),
    stack: e.stack ? storable(e.stack, 10_000) : null,
    status: occurrence.status,
    userId: occurrence.userId ?? null,
    requestId: occurrence.requestId,
  };
  // One statement (INSERT ... ON CONFLICT DO UPDATE): concurrent repeats count, none is lost.
  await db.errorLog.upsert({
    where: { fingerprint },
    create: { fingerprint, timestamp: now, level: "ERROR", route: occurrence.route, method: occurrence.method, ...latest },
    update: { ...latest, count: { increment: 1 }, resolved: false, resolvedAt: null },
    select: { id: true },
  });
}
