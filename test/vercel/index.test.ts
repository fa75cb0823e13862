import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { caller, cronChecks, mainFlows, type Call, type Handler } from "./flows.ts";
import { installRequestContext } from "./request-context.ts";

/**
 * src/index.ts as Vercel loads it: the module reads process.env once when imported and its
 * default export serves every request; waitUntil is @vercel/functions' own, reaching the request
 * context Vercel's runtime would provide.
 */
const SECRET = "entry-cron-secret-0123456789";
const context = installRequestContext();
let call: Call;
let sql: Awaited<ReturnType<typeof openConnection>>;
const saved = { ...process.env };

beforeAll(async () => {
  const { url } = await createTestDatabase();
  sql = await openConnection(url);
  Object.assign(process.env, { APP_ENV: "test", DATABASE_URL: url, PBKDF2_ITERATIONS: "10000", CRON_SECRET: SECRET });
  const entry = (await import("../../src/index.ts")) as { default: Handler };
  call = caller(entry.default);
});

afterAll(() => {
  context.remove();
  for (const key of ["APP_ENV", "DATABASE_URL", "PBKDF2_ITERATIONS", "CRON_SECRET"]) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe("src/index.ts, the Vercel entry", () => {
  it("exports an app that serves the main flows and hands the request metrics to Vercel's waitUntil", async () => {
    await mainFlows(call, "entry@example.com");
    expect(context.handed()).toBeGreaterThan(0);
    await context.settled();
    const written = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "PerformanceMetric" WHERE route = '/api/v1/auth/login'`);
    expect(written.rows).toEqual([{ n: 1 }]);
  });

  it("runs retention from the cron route with the right secret only", async () => {
    await cronChecks(call, SECRET, async () => (await sql.query<{ job: string; trigger: string; outcome: string | null }>(`SELECT job, "trigger", outcome::text AS outcome FROM "JobRun"`)).rows);
  });
});
