import type { RequestIdVariables } from "hono/request-id";
import type { Passwords } from "../auth/passwords.ts";
import type { SessionLookup } from "../auth/session.ts";
import type { AuthUser } from "../auth/user.ts";
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";

/** What every handler can reach through `c.var`: services come through the context. */
export interface AppVariables extends RequestIdVariables {
  db: Db;
  config: Env;
  passwords: Passwords;
  /** The client's own X-Client-Request-Id, when it sent a sane one; ours is `requestId`. */
  clientRequestId?: string;
  user: AuthUser;
  sessionId: string;
  /** A write's token, looked up by the maintenance gate with the switch (one statement); the auth middleware reuses it. */
  sessionLookup?: { token: string; result: SessionLookup };
}

export interface AppEnv {
  Variables: AppVariables;
}
