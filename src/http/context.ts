import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";

export interface AuthUser {
  id: string;
  email: string;
  name: string | null;
  role: "USER" | "ADMIN";
  createdAt: Date;
  updatedAt: Date;
}

/** What every handler can reach through `c.var`: services come through the context. */
export interface AppVariables {
  db: Db;
  config: Env;
  requestId: string;
  user: AuthUser;
  sessionId: string;
}

export interface AppEnv {
  Variables: AppVariables;
}
