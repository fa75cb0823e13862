import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { OpsError } from "../../../errors.ts";
import type { BranchRecord, EndpointRecord, SnapshotRecord } from "./records.ts";

/**
 * Keeps the emulator's ids, Neon metadata and snapshots across restarts (command-line use), so a
 * NEON_* configuration pasted into .env keeps naming the same branches. Written atomically.
 */

const date = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const savedSchema = z.object({
  version: z.literal(1),
  branches: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      parentId: z.string().optional(),
      parentTimestamp: z.string().optional(),
      createdAt: date,
      updatedAt: date,
      stateChangedAt: date,
      lastResetAt: date.optional(),
      isDefault: z.boolean(),
      expiresAt: date.optional(),
    }),
  ),
  endpoints: z.array(z.object({ id: z.string(), branchId: z.string(), createdAt: date, updatedAt: date })),
  // Files written before snapshots were emulated have none.
  snapshots: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        sourceBranchId: z.string(),
        timestamp: z.iso.datetime({ offset: true }),
        createdAt: date,
        expiresAt: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .default([]),
});

export interface SavedRecords {
  branches: BranchRecord[];
  endpoints: EndpointRecord[];
  snapshots: SnapshotRecord[];
}

export function loadRecords(file: string): SavedRecords {
  if (!existsSync(file)) return { branches: [], endpoints: [], snapshots: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new OpsError("NEON_EMULATOR_STATE", `${file} is not a Neon emulator state file: it is not JSON.`, { file });
  }
  const parsed = savedSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OpsError("NEON_EMULATOR_STATE", `${file} is not a Neon emulator state file: ${issue?.path.join(".") || "(file)"}: ${issue?.message ?? "invalid"}.`, { file });
  }
  return {
    branches: parsed.data.branches.map((b) => ({ ...b, state: "ready" as const, busy: false })),
    endpoints: parsed.data.endpoints.map((e) => ({ ...e, state: "active" as const })),
    snapshots: parsed.data.snapshots.map((snap) => ({ ...snap, pending: false })),
  };
}

export function saveRecords(file: string, records: { [K in keyof SavedRecords]: Iterable<SavedRecords[K][number]> }): void {
  const { branches, endpoints, snapshots } = records;
  const plain = {
    version: 1,
    branches: [...branches]
      .filter((b) => b.state !== "init")
      .map(({ state: _state, busy: _busy, ...b }) => ({
        ...b,
        createdAt: b.createdAt.toISOString(),
        updatedAt: b.updatedAt.toISOString(),
        stateChangedAt: b.stateChangedAt.toISOString(),
        ...(b.lastResetAt && { lastResetAt: b.lastResetAt.toISOString() }),
        ...(b.expiresAt && { expiresAt: b.expiresAt.toISOString() }),
      })),
    endpoints: [...endpoints].map(({ state: _state, ...e }) => ({ ...e, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() })),
    snapshots: [...snapshots].filter((snap) => !snap.pending).map(({ pending: _pending, ...snap }) => ({ ...snap, createdAt: snap.createdAt.toISOString() })),
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(plain, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
