import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadEnv } from "../../src/env.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { caller, cronChecks, mainFlows, type Handler } from "./flows.ts";
import { installRequestContext } from "./request-context.ts";

/**
 * `vercel build` (the pinned CLI, offline) on a copy of the project writes the Build Output API
 * tree Vercel deploys; the function it wrote is then loaded from a folder of its own, with only
 * the files the build put in it, and serves the API against a real database.
 *
 * Offline means: a `.vercel/project.json` stands in for `vercel link` (no token, no API call),
 * and its settings skip the install step (`installCommand: ""`), since the copy already has the
 * dependencies (hard links to this checkout's node_modules, so the build traces real files inside
 * its own folder). On Vercel the install runs, and its postinstall generates the Prisma Client.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECRET = "built-cron-secret-0123456789";
const run = promisify(execFile);

let work: string;
let output: string;
let functionDir: string;

const vcConfigSchema = z.object({ handler: z.string(), runtime: z.string(), launcherType: z.string(), maxDuration: z.number().optional(), framework: z.object({ slug: z.string() }) });
const outputConfigSchema = z.object({ version: z.literal(3), framework: z.object({ slug: z.string() }), crons: z.array(z.object({ path: z.string(), schedule: z.string() })) });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "vercel-build-"));
  const project = join(work, "project");
  mkdirSync(join(project, ".vercel"), { recursive: true });
  for (const file of ["package.json", "package-lock.json", "tsconfig.json", "vercel.json"]) cpSync(join(ROOT, file), join(project, file));
  cpSync(join(ROOT, "src"), join(project, "src"), { recursive: true });
  await run("cp", ["-al", join(ROOT, "node_modules"), join(project, "node_modules")]);
  writeFileSync(join(project, ".vercel", "project.json"), JSON.stringify({ projectId: "prj_offline_build", orgId: "team_offline_build", settings: { installCommand: "" } }));

  const env: Record<string, string | undefined> = { ...process.env, NO_UPDATE_NOTIFIER: "1", VERCEL_TELEMETRY_DISABLED: "1", CI: "1" };
  for (const key of ["VERCEL_TOKEN", "VERCEL_ORG_ID", "VERCEL_PROJECT_ID"]) delete env[key];
  await run("npx", ["vercel", "build", "--yes"], { cwd: project, env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  output = join(project, ".vercel", "output");

  // The function alone, where no node_modules above it can stand in for one it lacks.
  functionDir = join(work, "deployed", "index.func");
  cpSync(join(output, "functions", "index.func"), functionDir, { recursive: true });
  for (let dir = dirname(functionDir); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, "node_modules")), dir).toBe(false);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("vercel build", () => {
  it("detects Hono, writes one Node function for src/index.ts with room for a cron run, and keeps vercel.json's crons", () => {
    const config = outputConfigSchema.parse(JSON.parse(readFileSync(join(output, "config.json"), "utf8")));
    expect(config.framework.slug).toBe("hono");
    const ours = z.object({ crons: z.array(z.object({ path: z.string(), schedule: z.string() })) }).parse(JSON.parse(readFileSync(join(ROOT, "vercel.json"), "utf8")));
    expect(config.crons).toEqual(ours.crons);

    expect(readdirSync(join(output, "functions"))).toEqual(["index.func"]);
    const vc = vcConfigSchema.parse(JSON.parse(readFileSync(join(functionDir, ".vc-config.json"), "utf8")));
    expect(vc).toMatchObject({ handler: "src/index.js", launcherType: "Nodejs", framework: { slug: "hono" } });
    expect(vc.runtime).toMatch(/^nodejs\d+\.x$/);
    expect((vc.maxDuration ?? 0) * 1000).toBeGreaterThan(loadEnv({}).JOB_TIME_BUDGET_MS);
  });

  it("wrote a function that serves the API and the cron route from its own files", async () => {
    const { url } = await createTestDatabase();
    const sql = await openConnection(url);
    const context = installRequestContext();
    const saved = { ...process.env };
    Object.assign(process.env, { APP_ENV: "test", DATABASE_URL: url, PBKDF2_ITERATIONS: "10000", CRON_SECRET: SECRET });
    try {
      const vc = vcConfigSchema.parse(JSON.parse(readFileSync(join(functionDir, ".vc-config.json"), "utf8")));
      const handler = (await import(pathToFileURL(join(functionDir, vc.handler)).href)) as { default: Handler };
      const call = caller(handler.default);
      expect(await call("/health/ready")).toMatchObject({ status: 200, body: { status: "ok", database: "up" } });
      await mainFlows(call, "built@example.com");
      await cronChecks(call, SECRET, async () => (await sql.query<{ job: string; trigger: string; outcome: string | null }>(`SELECT job, "trigger", outcome::text AS outcome FROM "JobRun"`)).rows);
      await context.settled();
      expect((await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "PerformanceMetric" WHERE route = '/api/cron/:name'`)).rows).toEqual([{ n: 4 }]);
    } finally {
      context.remove();
      for (const key of ["APP_ENV", "DATABASE_URL", "PBKDF2_ITERATIONS", "CRON_SECRET"]) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });
});
