import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { previewBranchName } from "../../src/ops/preview/names.ts";
import { loadRecords, saveRecords } from "../../src/ops/recovery/neon/emulator/state-file.ts";
import { assertBranchName, assertNewBranchName, isPreviewBranchName } from "../../src/ops/recovery/provider.ts";

describe("preview branch names", () => {
  it("keep the git branch as it is, case and slashes, as Neon's integrations do", () => {
    expect(previewBranchName("feature/Login-form")).toBe("preview/feature/Login-form");
    expect(previewBranchName("refs/heads/fix-42")).toBe("preview/fix-42");
    expect(previewBranchName("dependabot/npm_and_yarn/hono-4.9.1")).toBe("preview/dependabot/npm_and_yarn/hono-4.9.1");
  });

  it("map the same git branch to the same name every time, and different ones apart", () => {
    const odd = ["feat/add user page", "fix/ünïcode-ß", "x".repeat(200), "a//b", "-leading/.dots", "💥", "feat/a b", "feat/a-b"];
    const names = odd.map(previewBranchName);
    expect(odd.map(previewBranchName)).toEqual(names);
    expect(new Set(names).size).toBe(odd.length);
    for (const name of names) {
      expect(isPreviewBranchName(name), name).toBe(true);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(() => assertNewBranchName(name)).not.toThrow();
    }
    expect(previewBranchName("feat/add user page")).toMatch(/^preview\/feat\/add-user-page-[0-9a-f]{8}$/);
  });

  it("allow a / only in preview names: other callers keep the plain rule", () => {
    expect(() => assertBranchName("preview/feature")).toThrow(/not a valid branch name/);
    expect(() => assertNewBranchName("feature/x")).toThrow(/not a valid branch name/);
    expect(() => assertNewBranchName("preview/../main")).toThrow(/not a valid branch name/);
    expect(() => assertNewBranchName("preview/")).toThrow(/not a valid branch name/);
    expect(() => assertNewBranchName("restore-1")).not.toThrow();
  });
});

describe("the Neon emulator's state file", () => {
  it("keeps a branch's expires_at across a restart", () => {
    const dir = mkdtempSync(join(tmpdir(), "emulator-state-"));
    try {
      const file = join(dir, "state.json");
      const at = new Date("2026-12-09T10:00:00.000Z");
      const branch = { id: "br-calm-sea-abc12345", name: "preview/x", createdAt: at, updatedAt: at, stateChangedAt: at, state: "ready" as const, isDefault: false, busy: false, expiresAt: new Date("2026-12-16T10:00:00.000Z") };
      saveRecords(file, { branches: [branch], endpoints: [], snapshots: [] });
      expect(loadRecords(file).branches[0]?.expiresAt?.toISOString()).toBe("2026-12-16T10:00:00.000Z");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
