import { TrieRouter } from "hono/router/trie-router";

/**
 * The methods a path answers to, from the app's own routes, so a known path asked with another
 * method answers 405 with `Allow` instead of 404. Built on first use, when every route is known.
 */
export function allowedMethods(routes: () => readonly { method: string; path: string }[]): (path: string) => string[] {
  let router: TrieRouter<string> | undefined;
  return (path) => {
    if (!router) {
      router = new TrieRouter<string>();
      // "ALL" entries are middleware (app.use), not routes.
      for (const route of routes()) if (route.method !== "ALL") router.add("ALL", route.path, route.method);
    }
    const methods = new Set(router.match("ALL", path)[0].map(([method]) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
