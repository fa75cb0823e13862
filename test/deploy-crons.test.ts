import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadEnv } from "../src/env.ts";
import { jobsForCron, schedules } from "../src/jobs/registry.ts";
import { unmetNeeds } from "../src/jobs/runner.ts";
import { createTestApp } from "./support/app.ts";

/**
 * The platforms' cron lists are copies of the registry's schedules, so they are held to it:
 * wrangler.toml per environment (read by wrangler itself, with its inheritance rules) lists the
 * schedules of the jobs a Worker can run there, and vercel.json calls each job a Vercel Function
 * can run in production at its schedule, on a path the app serves.
 */

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** A Worker and a Vercel Function offer jobs nothing beyond the database (src/worker.ts's and src/vercel-app.ts's runtimes). */
const WORKER_RUNTIME = {};
const VERCEL_RUNTIME = {};

const workerEnvironments = [
  ["production", undefined],
  ["staging", "staging"],
  ["preview", "preview"],
] as const;

describe("wrangler.toml's crons", () => {
  it.each(workerEnvironments)("%s: exactly the schedules of the jobs a Worker can run in its APP_ENV", (_, env) => {
    const config = unstable_readConfig({ config: root("wrangler.toml"), ...(env && { env }) }, { hideWarnings: true });
    const appEnv = loadEnv({ APP_ENV: String(config.vars.APP_ENV) });
    const expected = [
      ...new Set(
        schedules(appEnv)
          .filter((entry) => entry.schedule !== null && !unmetNeeds(entry.job, WORKER_RUNTIME))
          .map((entry) => entry.schedule as string),
      ),
    ].sort();
    expect(expected.length).toBeGreaterThan(0);
    expect([...(config.triggers.crons ?? [])].sort()).toEqual(expected);
    // Each trigger finds its jobs, and every one of them can run on a Worker.
    for (const cron of config.triggers.crons ?? []) {
      const jobs = jobsForCron(cron, appEnv);
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.filter((job) => unmetNeeds(job, WORKER_RUNTIME))).toEqual([]);
    }
  });

  it("the environments say which APP_ENV they are and keep the rate limit bindings", () => {
    const seen = workerEnvironments.map(([, env]) => unstable_readConfig({ config: root("wrangler.toml"), ...(env && { env }) }, { hideWarnings: true }));
    expect(seen.map((config) => config.vars.APP_ENV)).toEqual(["production", "staging", "development"]);
    for (const config of seen) expect(config.ratelimits.map((binding: { name: string }) => binding.name).sort()).toEqual(["AUTH_ACCOUNT_LIMITER", "AUTH_ADDRESS_LIMITER"]);
  });
});

const vercelSchema = z.object({ crons: z.array(z.object({ path: z.string(), schedule: z.string() }).strict()) });
const vercel = vercelSchema.parse(JSON.parse(readFileSync(root("vercel.json"), "utf8")));

describe("vercel.json's crons", () => {
  it("call every job a Vercel Function can run that is scheduled in production, at its schedule (the others would answer 409 every time)", () => {
    const expected = schedules(loadEnv({ APP_ENV: "production" }))
      .filter((entry) => entry.schedule !== null && !unmetNeeds(entry.job, VERCEL_RUNTIME))
      .map((entry) => ({ path: `/api/cron/${entry.job.name}`, schedule: entry.schedule }));
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    expect([...vercel.crons].sort(byPath)).toEqual(expected.sort(byPath));
  });

  it("call paths the app serves: each answers 401 to a call without the secret, not 404", async () => {
    const t = await createTestApp({ CRON_SECRET: "a-secret-of-sixteen-chars" });
    for (const { path } of vercel.crons) {
      const res = await t.request("GET", path);
      expect([path, res.status]).toEqual([path, 401]);
    }
  });
});
