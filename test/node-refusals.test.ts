import { describe, expect, it } from "vitest";
import { runProcess } from "../src/ops/process.ts";
import { REPO_ROOT } from "./cli/run-dbctl.ts";

/**
 * `npm start` (src/node.ts) refuses at start, before it opens anything: a hosted Accelerate
 * DATABASE_URL (retired on 2026-12-01) and a pooled DIRECT_URL, each with its one sentence on
 * stderr and exit code 1. The hosts cannot be reached, so a start that went on would show as
 * another error.
 */
const start = (env: Record<string, string>) =>
  runProcess(process.execPath, ["--import", "tsx", "src/node.ts"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", JOBS_ENABLED: "false", PORT: "0", ...env },
  });

describe("npm start refuses at start", () => {
  it.each(["prisma", "prisma+postgres"])(
    "a hosted Accelerate DATABASE_URL (%s://accelerate.prisma-data.net)",
    { timeout: 60_000 },
    async (scheme) => {
      const run = await start({ DATABASE_URL: `${scheme}://accelerate.prisma-data.net/?api_key=sk_live_s3cret` });
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        "Invalid configuration: DATABASE_URL: is a hosted Prisma Accelerate URL (accelerate.prisma-data.net), which was retired on 2026-12-01: use Neon's pooled URL with the serverless driver, Hyperdrive on Workers, or a Prisma Postgres (pooled.db.prisma.io) or self-hosted endpoint",
      );
      expect(run.stdout).not.toContain("API ready");
      expect(run.stdout + run.stderr).not.toContain("sk_live_s3cret");
    },
  );

  it("a pooled DIRECT_URL, naming the direct host", { timeout: 60_000 }, async () => {
    const run = await start({
      DATABASE_URL: "postgresql://u:s3cret@ep-quiet-cloud-000000-pooler.us-east-2.aws.neon.tech.invalid/neondb",
      DIRECT_URL: "postgresql://u:s3cret@ep-quiet-cloud-000000-pooler.us-east-2.aws.neon.tech.invalid/neondb",
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^Invalid configuration: DIRECT_URL: points at Neon's connection pooler .+; use the direct URL: ep-quiet-cloud-000000\.us-east-2\.aws\.neon\.tech\.invalid, the same host without -pooler$/);
    expect(run.stdout + run.stderr).not.toMatch(/Could not prepare|ENOTFOUND|s3cret/);
  });
});
