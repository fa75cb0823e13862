import type { Db } from "../db/client.ts";
import { sha256Hex } from "./crypto.ts";
import type { AuthUser } from "./user.ts";

/** Our tokens: 32 random bytes, base64url. Anything else is refused before the database is asked. */
export const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The maintenance switch as a write sees it. */
export interface MaintenanceState {
  enabled: boolean;
  message: string | null;
}

/** What one token resolves to: its session and user (none for an unknown token), and the maintenance switch (off unless asked for). */
export interface SessionLookup {
  session: { id: string; expiresAt: Date; user: AuthUser } | null;
  maintenance: MaintenanceState;
}

interface Row {
  sessionId: string | null;
  expiresAt: Date | null;
  id: string | null;
  email: string | null;
  name: string | null;
  role: AuthUser["role"] | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  maintenanceEnabled?: boolean | null;
  maintenanceMessage?: string | null;
}

/**
 * The one statement every authenticated request starts with: the session of a token hash joined
 * to its user (the columns of `userSelect`). A write asks for the maintenance switch beside them
 * (`withMaintenance`), so it learns both in one round trip instead of two (bench/analysis.md).
 * Hand-written rather than a Prisma findUnique: it is the hottest statement of the API, and
 * Prisma's nested select builds the user as JSON (a lateral JSONB_BUILD_OBJECT) that the client
 * parses back, where a plain join returns columns. Sessions and users have no soft delete, so
 * nothing the extension does is bypassed.
 */
export async function lookupSession(db: Db, token: string, options: { withMaintenance?: boolean } = {}): Promise<SessionLookup> {
  const tokenHash = await sha256Hex(token);
  const [row] = options.withMaintenance
    ? await db.$queryRaw<Row[]>`
        SELECT s.id AS "sessionId", s."expiresAt", u.id, u.email, u.name, u.role::text AS role, u."createdAt", u."updatedAt",
               m.enabled AS "maintenanceEnabled", m.message AS "maintenanceMessage"
        FROM (SELECT 1) AS one
        LEFT JOIN "Session" s ON s."tokenHash" = ${tokenHash}
        LEFT JOIN "User" u ON u.id = s."userId"
        LEFT JOIN "MaintenanceMode" m ON m.id = 1`
    : await db.$queryRaw<Row[]>`
        SELECT s.id AS "sessionId", s."expiresAt", u.id, u.email, u.name, u.role::text AS role, u."createdAt", u."updatedAt"
        FROM "Session" s JOIN "User" u ON u.id = s."userId"
        WHERE s."tokenHash" = ${tokenHash}`;
  const enabled = row?.maintenanceEnabled === true;
  const maintenance = { enabled, message: enabled ? (row?.maintenanceMessage ?? null) : null };
  if (!row?.sessionId || !row.id || !row.expiresAt) return { session: null, maintenance };
  const user = { id: row.id, email: row.email as string, name: row.name, role: row.role as AuthUser["role"], createdAt: row.createdAt as Date, updatedAt: row.updatedAt as Date };
  return { session: { id: row.sessionId, expiresAt: row.expiresAt, user }, maintenance };
}

/** The bearer token of an Authorization header, when it is one of ours; the scheme is case-insensitive, as Hono's bearerAuth has it. */
export function bearerToken(header: string | undefined): string | undefined {
  const token = header && /^Bearer +(\S+) *$/i.exec(header)?.[1];
  return token && TOKEN.test(token) ? token : undefined;
}
