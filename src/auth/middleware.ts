import type { Context } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context.ts";
import { errorBody, forbidden, unauthorized } from "../http/errors.ts";
import { bearer } from "../http/openapi.ts";
import { lookupSession, TOKEN } from "./session.ts";

const CHALLENGE = 'Bearer realm="api"';

/** Every way in without a usable token answers the same 401, in the API's error shape. */
const refusal = (message: string) => () =>
  new Response(JSON.stringify(errorBody("UNAUTHORIZED", message)), {
    status: 401,
    headers: { "content-type": "application/json", "www-authenticate": CHALLENGE },
  });

/**
 * Hono's bearer auth (the scheme is case-insensitive), with a token resolved to its user by one
 * indexed query: the session joined to its user (auth/session.ts). A write has already looked its
 * token up in the maintenance gate, in the same statement as the switch, and that answer is used.
 * An expired session is refused and left for the retention cleanup: a read never writes.
 */
export const requireAuth = bearerAuth<AppEnv>({
  realm: "api",
  verifyToken: async (token, c: Context<AppEnv>) => {
    if (!TOKEN.test(token)) return false;
    const looked = c.var.sessionLookup?.token === token ? c.var.sessionLookup.result : await lookupSession(c.var.db, token);
    const { session } = looked;
    if (!session) return false;
    if (session.expiresAt.getTime() <= Date.now()) throw unauthorized("Session expired, log in again");
    c.set("user", session.user);
    c.set("sessionId", session.id);
    return true;
  },
  noAuthenticationHeader: { message: refusal("Authentication required") },
  invalidAuthenticationHeader: { message: refusal("Send the token as Authorization: Bearer <token>") },
  invalidToken: { message: refusal("Invalid or revoked token") },
});

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.user.role !== "ADMIN") throw forbidden("This route needs the admin role");
  await next();
});

/** Route presets: what every authenticated (or admin) route declares, written once. */
export const authenticated = { security: bearer, middleware: [requireAuth] };
export const adminOnly = { security: bearer, middleware: [requireAuth, requireAdmin] };
