import { createRoute, z } from "@hono/zod-openapi";
import { newSessionToken, sha256Hex } from "../auth/crypto.ts";
import { authenticated } from "../auth/middleware.ts";
import { userSelect } from "../auth/user.ts";
import type { AppVariables } from "../http/context.ts";
import { unauthorized } from "../http/errors.ts";
import { createRouter, errors, jsonBody, jsonResponse } from "../http/openapi.ts";
import type { AuthRateLimits } from "../http/rate-limit.ts";
import { isoDate, serialize } from "../http/serializers.ts";

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string().openapi({ example: "ada@example.com" }),
    name: z.string().nullable(),
    role: z.enum(["USER", "ADMIN"]),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .openapi("User");

// Emails are compared and stored lower-case: "Ada@X.com" and "ada@x.com" are one account.
const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "Must be an email address" }).max(254))
  .openapi({ example: "ada@example.com", format: "email" });

// NIST SP 800-63B: at least 8 characters, no composition rules; a cap keeps hashing bounded.
const Password = z.string().min(8, { message: "Must be at least 8 characters" }).max(256).openapi({ example: "correct horse battery" });

const SignupBody = z.object({ email: Email, password: Password, name: z.string().trim().min(1).max(100).optional() }).openapi("SignupRequest");
const LoginBody = z.object({ email: Email, password: z.string().min(1).max(256) }).openapi("LoginRequest");

const AuthResult = z.object({ user: UserSchema, token: z.string(), expiresAt: isoDate }).openapi("AuthResult");

async function openSession(vars: Pick<AppVariables, "db" | "config">, userId: string) {
  const token = newSessionToken();
  const expiresAt = new Date(Date.now() + vars.config.SESSION_TTL_HOURS * 3_600_000);
  await vars.db.session.create({ data: { userId, tokenHash: await sha256Hex(token), expiresAt }, select: { id: true } });
  return { token, expiresAt: expiresAt.toISOString() };
}

const tags = ["Auth"];

/** Signup, login, logout and the current user; login and signup behind the given rate limits. */
export const authRoutes = (limits: AuthRateLimits) =>
  createRouter()
    .openapi(
      createRoute({
        method: "post",
        path: "/signup",
        tags,
        summary: "Create an account and a session",
        middleware: limits.signup,
        request: { body: jsonBody(SignupBody) },
        responses: {
          201: jsonResponse(AuthResult, "Account created"),
          400: errors[400],
          409: errors[409],
          413: errors[413],
          429: errors[429],
        },
      }),
      async (c) => {
        const { email, password, name } = c.req.valid("json");
        const passwordHash = await c.var.passwords.hash(password);
        // A taken email is Prisma's unique violation: the error handler answers 409 EMAIL_TAKEN.
        const user = await c.var.db.user.create({ data: { email, name: name ?? null, passwordHash }, select: userSelect });
        return c.json({ user: serialize(user), ...(await openSession(c.var, user.id)) }, 201);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/login",
        tags,
        summary: "Exchange email and password for a session token",
        middleware: limits.login,
        request: { body: jsonBody(LoginBody) },
        responses: { 200: jsonResponse(AuthResult, "Logged in"), 400: errors[400], 401: errors[401], 429: errors[429] },
      }),
      async (c) => {
        const { email, password } = c.req.valid("json");
        const found = await c.var.db.user.findUnique({ where: { email }, select: { ...userSelect, passwordHash: true } });
        // Unknown email and wrong password take the same time and give the same answer.
        const ok = await c.var.passwords.verify(password, found?.passwordHash);
        if (!found || !ok) throw unauthorized("Invalid email or password");
        const { passwordHash: _, ...user } = found;
        return c.json({ user: serialize(user), ...(await openSession(c.var, user.id)) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/logout",
        tags,
        summary: "End this session (its row is deleted)",
        ...authenticated,
        responses: { 204: { description: "Logged out" }, 401: errors[401] },
      }),
      async (c) => {
        await c.var.db.session.deleteMany({ where: { id: c.var.sessionId } });
        return c.body(null, 204);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/me",
        tags,
        summary: "The authenticated user",
        ...authenticated,
        responses: { 200: jsonResponse(z.object({ user: UserSchema }), "The current user"), 401: errors[401] },
      }),
      (c) => c.json({ user: serialize(c.var.user) }, 200),
    );
