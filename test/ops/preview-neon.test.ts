import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrations } from "../../src/ops/migrations/files.ts";
import { createPreview, deletePreview, listPreviews } from "../../src/ops/preview/previews.ts";
import { NeonRecoveryProvider, startNeonEmulator, type NeonEmulator } from "../../src/ops/recovery/neon/index.ts";
import { startArchivingPrimary, type ArchivingPrimary } from "../jobs/primary.ts";
import { sql } from "./recovery-support.ts";

/** Previews through Neon's API client against the emulator: expires_at sent, kept, limited and enforced. */

const API_KEY = "preview-neon-key-5c1a9e07";
const PROJECT = "misty-pine-24680135";
const DAY = 86_400_000;
const migrations = readMigrations("prisma/migrations");

let primary: ArchivingPrimary;
let emulator: NeonEmulator;
let neon: NeonRecoveryProvider;

beforeAll(async () => {
  primary = await startArchivingPrimary("preview-neon-");
  emulator = await startNeonEmulator({ provider: primary.provider, apiKey: API_KEY, projectId: PROJECT, operationDelayMs: 20 });
  neon = new NeonRecoveryProvider({ apiKey: API_KEY, projectId: PROJECT, baseURL: emulator.url, database: "app", role: "postgres", pollIntervalMs: 25 });
}, 120_000);

afterAll(async () => {
  await emulator?.close().catch(() => {});
  await primary?.remove();
}, 60_000);

async function rawCreate(body: unknown, method = "POST", path = "") {
  const res = await fetch(`${emulator.url}/projects/${PROJECT}/branches${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

describe("previews on Neon (emulator)", { timeout: 120_000 }, () => {
  it("creates preview/<git branch> with Neon's expires_at, migrated over its direct URL, and reuses it", async () => {
    const expiresAt = new Date(Math.floor((Date.now() + 7 * DAY) / 1000) * 1000);
    const first = await createPreview(neon, { gitBranch: "feat/search", expiresAt, migrations, database: "app" });
    expect(first.created).toBe(true);
    expect(first.preview.name).toBe("preview/feat/search");
    expect(first.preview.id).toMatch(/^br-/);
    expect(first.preview.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    const rows = await sql<{ n: string }>(first.urls.directUrl, "SELECT count(*)::text AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL");
    expect(Number(rows[0]?.n)).toBe(migrations.length);

    const again = await createPreview(neon, { gitBranch: "feat/search", expiresAt, migrations, database: "app" });
    expect(again).toMatchObject({ created: false, preview: { id: first.preview.id } });
    expect((await listPreviews(neon)).map((p) => [p.name, p.expiresAt?.toISOString()])).toEqual([["preview/feat/search", expiresAt.toISOString()]]);
    await deletePreview(neon, { gitBranch: "feat/search" });
    expect(await listPreviews(neon)).toEqual([]);
  });

  it("refuses an expiry more than 30 days out or in the past, as Neon answers a bad field", async () => {
    const far = await rawCreate({ branch: { name: "preview/far", expires_at: new Date(Date.now() + 31 * DAY).toISOString() } });
    expect(far.status).toBe(400);
    expect(far.body).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/at most 30 days/) });
    const past = await rawCreate({ branch: { name: "preview/past", expires_at: new Date(Date.now() - 1_000).toISOString() } });
    expect(past.status).toBe(400);
    expect(past.body.message).toMatch(/in the future/);
    // Nor on the default branch, through Neon's branch update.
    const main = (await neon.listBranches()).find((b) => b.primary);
    const onMain = await rawCreate({ branch: { expires_at: new Date(Date.now() + DAY).toISOString() } }, "PATCH", `/${main?.id}`);
    expect(onMain.status).toBe(400);
    expect(onMain.body.message).toMatch(/default branch/);
    expect((await neon.listBranches()).find((b) => b.primary)?.expiresAt).toBeUndefined();
    await expect(createPreview(neon, { gitBranch: "far", expiresAt: new Date(Date.now() + 31 * DAY), migrations })).rejects.toThrow(/at most 30 days/);
    expect((await neon.listBranches()).map((b) => b.name)).toEqual(["main"]);
  });

  it("deletes a branch by itself once its expires_at has passed", async () => {
    const { preview } = await createPreview(neon, { gitBranch: "short-lived", expiresAt: new Date(Date.now() + DAY), migrations, database: "app" });
    expect((await listPreviews(neon)).map((p) => p.name)).toEqual(["preview/short-lived"]);
    // Shortened once it exists (Neon's branch update), so a slow create cannot outlive it.
    const soon = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
    const updated = await rawCreate({ branch: { expires_at: soon.toISOString() } }, "PATCH", `/${preview.id}`);
    expect(updated.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soon.getTime() - Date.now()) + 500));
    expect(await listPreviews(neon)).toEqual([]);
    // Gone from the backend too, not only from the emulator's list.
    expect((await primary.provider.listBranches()).map((b) => b.name)).toEqual(["main"]);
  });
});
