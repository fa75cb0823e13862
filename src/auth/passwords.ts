import pLimit from "p-limit";
import { ApiError } from "../http/errors.ts";
import { decoyHash, hashPassword, verifyPassword } from "./crypto.ts";

/**
 * Password hashing that cannot starve the rest of the process. On Node, WebCrypto's PBKDF2 runs
 * on libuv's thread pool (4 threads by default), which also hashes every request's bearer token:
 * a flood of logins that took every thread would make every other request wait behind it. At
 * most `concurrency` hashes run at once (fewer than the pool's threads); a bounded queue waits
 * behind them, and past it the request answers 503 with Retry-After instead of piling up.
 */
export interface Passwords {
  hash(password: string): Promise<string>;
  /** Checks a password against a stored hash; with none (an unknown email) against a decoy, in the same time. */
  verify(password: string, stored: string | null | undefined): Promise<boolean>;
}

/** Queued hashes per running one, before new requests are turned away. */
const QUEUE_PER_SLOT = 32;

export function createPasswords(options: { iterations: number; concurrency: number }): Passwords {
  const limit = pLimit(options.concurrency);
  const run = <T>(work: () => Promise<T>): Promise<T> => {
    if (limit.pendingCount >= options.concurrency * QUEUE_PER_SLOT) {
      throw new ApiError(503, "BUSY", "Too many sign-ins are being checked right now; try again shortly", undefined, { "Retry-After": "1" });
    }
    return limit(work);
  };
  return {
    hash: (password) => run(() => hashPassword(password, options.iterations)),
    verify: (password, stored) => run(async () => verifyPassword(password, stored ?? (await decoyHash(options.iterations)))),
  };
}
