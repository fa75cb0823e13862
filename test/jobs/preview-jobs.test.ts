import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewPruneJob } from "../../src/jobs/preview-jobs.ts";
import { JOBS } from "../../src/jobs/registry.ts";
import { runJob } from "../../src/jobs/runner.ts";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { createPreview } from "../../src/ops/preview/previews.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { fixedClock, jobConfig } from "./fixtures.ts";
import { startArchivingPrimary, type ArchivingPrimary } from "./primary.ts";

/**
 * The self-hosted provider only records a preview's expiry: the scheduled prune is what deletes
 * it. With the clock moved past one preview's expiry, that one goes; the other and the primary stay.
 */

const DAY = 24 * 60 * 60 * 1000;
let primary: ArchivingPrimary;
let db: Connection;

beforeAll(async () => {
  primary = await startArchivingPrimary("jobs-preview-");
  db = await connect(primary.appUrl);
}, 120_000);

afterAll(async () => {
  await db?.close();
  await primary?.remove();
}, 60_000);

describe("preview-prune", { timeout: 120_000 }, () => {
  it("is scheduled with the other jobs and needs a recovery provider", () => {
    expect(JOBS).toContain(previewPruneJob);
    expect(previewPruneJob.needs).toEqual(["recovery"]);
  });

  it("deletes the previews whose expiry has passed, and nothing else", async () => {
    const now = new Date();
    const migrations = readMigrations("prisma/migrations");
    const short = await createPreview(primary.provider, { gitBranch: "feature/short-lived", expiresAt: new Date(now.getTime() + 2 * DAY), migrations, now });
    const long = await createPreview(primary.provider, { gitBranch: "feature/long-lived", expiresAt: new Date(now.getTime() + 20 * DAY), migrations, now });
    const deps = (at: Date) => ({ sql: db, config: jobConfig(), clock: fixedClock(at), recovery: async () => primary.provider });

    const early = await runJob(previewPruneJob, deps(new Date(now.getTime() + DAY)), { trigger: "cli" });
    expect(early).toMatchObject({ outcome: "succeeded", detail: { provider: "self-hosted", expired: [] } });

    const later = await runJob(previewPruneJob, deps(new Date(now.getTime() + 3 * DAY)), { trigger: "cli" });
    expect(later).toMatchObject({ outcome: "succeeded", detail: { expired: [short.preview.name] } });
    expect((await primary.provider.listBranches()).map((b) => b.name).sort()).toEqual(["main", long.preview.name].sort());
  });
});
