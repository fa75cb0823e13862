import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { createPreview, deletePreview, listPreviews, prunePreviews } from "../../src/ops/preview/previews.ts";
import { startArchivingPrimary, type ArchivingPrimary } from "../jobs/primary.ts";
import { sql } from "./recovery-support.ts";

/** Previews on the self-hosted provider: a branch (its own PostgreSQL) of the archiving primary at now. */

const migrations = readMigrations("prisma/migrations");
let primary: ArchivingPrimary;

beforeAll(async () => {
  primary = await startArchivingPrimary("preview-self-");
}, 120_000);

afterAll(async () => {
  await primary?.remove();
}, 60_000);

describe("previews on the self-hosted provider", { timeout: 120_000 }, () => {
  it("creates a migrated preview with its expiry, reuses it, and prunes it once expired", async () => {
    const { provider } = primary;
    await sql(primary.appUrl, "CREATE TABLE preview_marker (v text); INSERT INTO preview_marker VALUES ('from main')");
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    const first = await createPreview(provider, { gitBranch: "feature/login", expiresAt, migrations });
    expect(first.created).toBe(true);
    expect(first.preview).toMatchObject({ name: "preview/feature/login", gitBranch: "feature/login" });
    expect(first.preview.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    // A folder of its own directly under branches/, the / encoded.
    expect(existsSync(join(primary.root, "branches", "preview%2Ffeature%2Flogin", "data", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(primary.root, "branches", "preview"))).toBe(false);

    const rows = await sql<{ n: string }>(first.urls.directUrl, "SELECT count(*)::text AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL");
    expect(Number(rows[0]?.n)).toBe(migrations.length);
    expect(await sql(first.urls.databaseUrl, "SELECT v FROM preview_marker")).toEqual([{ v: "from main" }]);

    const again = await createPreview(provider, { gitBranch: "feature/login", expiresAt, migrations });
    expect(again.created).toBe(false);
    expect(again.preview.id).toBe(first.preview.id);
    expect(again.migrations.applied).toEqual([]);

    expect((await listPreviews(provider)).map((p) => p.name)).toEqual(["preview/feature/login"]);
    // Not yet expired: nothing to prune.
    expect((await prunePreviews(provider)).expired).toEqual([]);

    // Expired by the registry's record (the provider only keeps the date; prune enforces it).
    primary.provider.store.update((state) => {
      const record = state.branches.find((b) => b.name === "preview/feature/login");
      if (record) record.expiresAt = new Date(Date.now() - 1_000);
    });
    const pruned = await prunePreviews(provider);
    expect(pruned.expired.map((p) => p.name)).toEqual(["preview/feature/login"]);
    expect(await listPreviews(provider)).toEqual([]);
    expect(existsSync(join(primary.root, "branches", "preview%2Ffeature%2Flogin"))).toBe(false);
    expect((await provider.listBranches()).map((b) => b.name)).toEqual(["main"]);
  });

  it("prunes previews whose git branch the remote no longer has, and never deletes main", async () => {
    const { provider } = primary;
    await createPreview(provider, { gitBranch: "keep-me", migrations });
    await createPreview(provider, { gitBranch: "gone", migrations });
    const dry = await prunePreviews(provider, { remoteBranches: ["main", "keep-me"], dryRun: true });
    expect(dry.gitBranchGone.map((p) => p.name)).toEqual(["preview/gone"]);
    expect((await listPreviews(provider)).map((p) => p.name)).toEqual(["preview/gone", "preview/keep-me"]);
    await prunePreviews(provider, { remoteBranches: ["main", "keep-me"] });
    expect((await listPreviews(provider)).map((p) => p.name)).toEqual(["preview/keep-me"]);
    await expect(deletePreview(provider, { name: "main" })).rejects.toThrow(/not a preview branch/);
    const deleted = await deletePreview(provider, { gitBranch: "keep-me" });
    expect(deleted.name).toBe("preview/keep-me");
    expect((await provider.listBranches()).map((b) => b.name)).toEqual(["main"]);
  });
});
