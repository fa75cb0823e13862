/**
 * Vercel's runtime offers waitUntil to @vercel/functions through a request context kept at this
 * global symbol (@vercel/functions' get-context.js reads `globalThis[symbol].get().waitUntil`);
 * outside Vercel there is none and waitUntil does nothing. Installing one here lets a test see
 * the work a function hands to waitUntil, through the package's real code.
 */
const REQUEST_CONTEXT = Symbol.for("@vercel/request-context");

export function installRequestContext() {
  const pending: Promise<unknown>[] = [];
  let handed = 0;
  (globalThis as Record<symbol, unknown>)[REQUEST_CONTEXT] = {
    get: () => ({
      waitUntil: (work: Promise<unknown>) => {
        handed++;
        pending.push(work);
      },
    }),
  };
  return {
    /** How many promises were handed to waitUntil so far. */
    handed: () => handed,
    /** Settles everything handed to waitUntil so far. */
    async settled() {
      while (pending.length) await Promise.allSettled(pending.splice(0));
    },
    remove() {
      delete (globalThis as Record<symbol, unknown>)[REQUEST_CONTEXT];
    },
  };
}
