import type { Hono } from "hono";
import type { AppEnv } from "./http/context.ts";
import { createVercelApp } from "./vercel-app.ts";

/**
 * Vercel Functions entry: Vercel's zero-config Hono preset serves this file's default export on
 * its Node runtime (Fluid compute). Its builder (@vercel/hono, vercel CLI 58.10.0) takes the first
 * of app, index, server, src/app, src/index, src/server (.js/.cjs/.mjs/.ts/.cts/.mts) whose source
 * matches `from "hono"`; that is why this file is src/index.ts and imports the Hono type below,
 * and why src/app.ts, which exports createApp and no app, must not spell that import (it imports
 * hono's subpaths only). test/vercel/detection.test.ts asks the builder itself which file it takes.
 *
 * Module scope runs once per instance: the configuration is read from process.env once and the
 * instance keeps one Prisma Client for all its requests (src/vercel-app.ts).
 */
const app: Hono<AppEnv> = createVercelApp(process.env).app;

export default app;

/**
 * Read from this file by Vercel's Node builder (@vercel/static-config), which ignores vercel.json's
 * `functions` for a zero-config Hono entry in CLI 58.10.0. 60 s holds a cron run's JOB_TIME_BUDGET_MS
 * (25 s by default) with its lease and JobRun writes, and is within every plan's limit, Fluid
 * compute or not; raise it with the budget (Fluid compute allows 300 s on Hobby, 800 s on Pro).
 */
export const config = { maxDuration: 60 };
