import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProcess } from "../../src/ops/process.ts";
import { createTestDatabase } from "../support/database.ts";
import { REPO_ROOT } from "./run-dbctl.ts";

/**
 * prisma.config.ts (`npm run prisma`) hands Prisma's CLI the direct URL: DIRECT_URL, or a
 * DATABASE_URL that is not pooled. A pooled one is refused with the direct host to use; a command
 * that never connects (`prisma validate`, like the postinstall `prisma generate`) is not stopped
 * by a pooled DATABASE_URL, which is all a Vercel build may have. Run from an empty directory, so
 * no .env but the test's environment counts.
 */
const dir = mkdtempSync(join(tmpdir(), "prisma-config-pooled-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const prisma = (args: string[], env: Record<string, string>) =>
  runProcess(process.execPath, [join(REPO_ROOT, "node_modules/prisma/build/index.js"), ...args, "--config", join(REPO_ROOT, "prisma.config.ts")], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PRISMA_SCHEMA_ENGINE_BINARY: join(REPO_ROOT, "bin/prisma-schema-engine"),
      CHECKPOINT_DISABLE: "1",
      NO_COLOR: "1",
      ...env,
    },
  });

const NEON_POOLED = "postgresql://u:s3cret@ep-quiet-cloud-000000-pooler.us-east-2.aws.neon.tech.invalid/neondb?sslmode=require";

describe("prisma.config.ts", () => {
  it("refuses a pooled DIRECT_URL, naming the direct host", { timeout: 60_000 }, async () => {
    const run = await prisma(["migrate", "status"], { DIRECT_URL: NEON_POOLED });
    const output = run.stdout + run.stderr;
    expect(run.code).not.toBe(0);
    expect(output).toContain("Invalid configuration: DIRECT_URL: points at Neon's connection pooler");
    expect(output).toContain("use the direct URL: ep-quiet-cloud-000000.us-east-2.aws.neon.tech.invalid, the same host without -pooler");
    expect(output).not.toContain("s3cret");
  });

  it("refuses a pooled DATABASE_URL standing in for an unset DIRECT_URL", { timeout: 60_000 }, async () => {
    const run = await prisma(["migrate", "status"], { DATABASE_URL: NEON_POOLED });
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("DIRECT_URL is not set and DATABASE_URL points at Neon's connection pooler");
  });

  it("refuses a hosted Accelerate DATABASE_URL as retired", { timeout: 60_000 }, async () => {
    const run = await prisma(["validate"], { DATABASE_URL: "prisma+postgres://accelerate.prisma-data.net/?api_key=sk_s3cret" });
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("retired on 2026-12-01");
    expect(run.stdout + run.stderr).not.toContain("sk_s3cret");
  });

  it("lets a command that never connects run with only the pooled DATABASE_URL", { timeout: 60_000 }, async () => {
    const run = await prisma(["validate"], { DATABASE_URL: NEON_POOLED });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain("is valid");
  });

  it("uses the direct DIRECT_URL beside a pooled DATABASE_URL", { timeout: 60_000 }, async () => {
    const db = await createTestDatabase();
    const run = await prisma(["migrate", "status"], { DIRECT_URL: db.url, DATABASE_URL: NEON_POOLED });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`PostgreSQL database "${db.name}"`);
    expect(run.stdout).toContain("Database schema is up to date!");
  });
});
