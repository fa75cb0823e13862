import type { Context, MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import type { Env } from "../env.ts";
import type { AppEnv } from "./context.ts";
import { errorBody } from "./errors.ts";

/**
 * Login and signup are rate limited per account and per client address, through one interface
 * (hono-rate-limiter's middleware) with two stores: its in-memory store on Node, and Cloudflare's
 * Rate Limiting binding on Workers (its limit and period live in wrangler.toml). A refused
 * attempt answers 429 with Retry-After and reaches no handler, so it costs no password hash.
 */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface AuthRateLimitBindings {
  /** Failed logins per account. */
  account?: RateLimitBinding;
  /** Login and signup attempts per client address. */
  address?: RateLimitBinding;
}

export interface AuthRateLimits {
  /** Before a login: the address's attempts, then the account's failures. */
  login: MiddlewareHandler<AppEnv>[];
  /** Before a signup: the address's attempts. */
  signup: MiddlewareHandler<AppEnv>[];
}

/** Cloudflare's binding counts per 10 or 60 seconds; both stores use a minute. */
const WINDOW_SECONDS = 60;

function tooMany(c: Context<AppEnv>) {
  // The in-memory store says when its window resets; the binding does not, so wait one window.
  if (!c.res.headers.has("Retry-After")) c.header("Retry-After", String(WINDOW_SECONDS));
  return c.json(errorBody("TOO_MANY_REQUESTS", "Too many attempts; wait a minute and try again"), 429);
}

function limiter(options: {
  limit: number;
  binding?: RateLimitBinding;
  key: (c: Context<AppEnv>) => Promise<string | undefined>;
  /** Count only attempts that fail (a user's own good logins never lock them out). */
  failuresOnly?: boolean;
}): MiddlewareHandler<AppEnv> {
  // A request without a key (a login body with no email) is the validator's to refuse, not ours.
  const common = {
    keyGenerator: async (c: Context<AppEnv>) => (await options.key(c)) ?? "",
    skip: async (c: Context<AppEnv>) => (await options.key(c)) === undefined,
    handler: tooMany,
  };
  if (options.binding) return rateLimiter<AppEnv>({ ...common, binding: options.binding });
  return rateLimiter<AppEnv>({
    ...common,
    windowMs: WINDOW_SECONDS * 1_000,
    limit: options.limit,
    // The address's budget is the one a client can plan with; an account's count of failures is not advertised.
    standardHeaders: options.failuresOnly ? false : "draft-6",
    skipSuccessfulRequests: options.failuresOnly ?? false,
  });
}

/** The email a login names, normalised as the route stores it; undefined when the body has none. */
async function emailOf(c: Context<AppEnv>): Promise<string | undefined> {
  const body: unknown = await c.req.json().catch(() => undefined);
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" && email.trim() ? `account:${email.trim().toLowerCase()}` : undefined;
}

export function authRateLimits(
  config: Pick<Env, "AUTH_RATE_LIMIT_ACCOUNT" | "AUTH_RATE_LIMIT_ADDRESS">,
  clientAddress: (c: Context<AppEnv>) => string | undefined,
  bindings: AuthRateLimitBindings = {},
): AuthRateLimits {
  const byAddress = limiter({
    limit: config.AUTH_RATE_LIMIT_ADDRESS,
    binding: bindings.address,
    key: async (c) => `address:${clientAddress(c) ?? "unknown"}`,
  });
  const byAccount = limiter({ limit: config.AUTH_RATE_LIMIT_ACCOUNT, binding: bindings.account, key: emailOf, failuresOnly: true });
  return { login: [byAddress, byAccount], signup: [byAddress] };
}
