import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context.ts";
import { forbidden, unauthorized } from "../http/errors.ts";
import { sha256Hex } from "./crypto.ts";

const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/;

export const userSelect = { id: true, email: true, name: true, role: true, createdAt: true, updatedAt: true } as const;

/**
 * Resolves the bearer token to a user with one indexed query (session joined to its user).
 * A malformed token is refused before the database is asked.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header("authorization") ?? "");
  if (!match) throw unauthorized();
  const tokenHash = await sha256Hex(match[1] as string);
  const db = c.var.db;
  const session = await db.session.findUnique({
    where: { tokenHash },
    select: { id: true, expiresAt: true, user: { select: userSelect } },
  });
  if (!session) throw unauthorized("Invalid or revoked token");
  if (session.expiresAt.getTime() <= Date.now()) {
    // An expired session is dead weight: remove it now rather than wait for the cleanup job.
    await db.session.deleteMany({ where: { id: session.id } });
    throw unauthorized("Session expired, log in again");
  }
  c.set("user", session.user);
  c.set("sessionId", session.id);
  await next();
});

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.user.role !== "ADMIN") throw forbidden("This route needs the admin role");
  await next();
});
