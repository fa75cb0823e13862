import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import { METHOD_NAME_ALL } from "hono/router";
import type { AppEnv } from "./context.ts";

/** The label of requests no route answers (404, 405, preflights): a raw path would be unbounded. */
export const UNMATCHED_ROUTE = "(unmatched)";

/**
 * The pattern of the route that answered. Hono records which of the matched handlers ran last
 * (`routeIndex`): a route's handler or its own middleware (auth) carry the route's pattern; when
 * an app-wide middleware answered instead (maintenance 503, body limit 413), the request still
 * belongs to the first route it was on its way to. App-wide middleware is registered for every
 * method (`use`), a route for its own.
 */
export function routePattern(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex];
  if (answered && answered.method !== METHOD_NAME_ALL) return answered.path;
  const headedTo = routes.slice(c.req.routeIndex + 1).find((route) => route.method !== METHOD_NAME_ALL);
  return headedTo?.path ?? UNMATCHED_ROUTE;
}
