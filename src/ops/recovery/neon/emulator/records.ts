import { randomBytes, randomInt, randomUUID } from "node:crypto";

/**
 * What the Neon emulator knows beyond its backend: Neon's ids, parents and timestamps of
 * branches, compute endpoints and operations. render.ts turns them into Neon's JSON.
 */

export interface BranchRecord {
  id: string;
  name: string;
  parentId?: string;
  /** As the client sent it (normalized to ISO 8601): Neon echoes the moment asked for. */
  parentTimestamp?: string;
  createdAt: Date;
  updatedAt: Date;
  stateChangedAt: Date;
  lastResetAt?: Date;
  state: "init" | "ready" | "resetting";
  isDefault: boolean;
  /** An operation is changing it: the backend may not list it yet (or anymore). */
  busy: boolean;
  /** Neon's expires_at: past it, the emulator deletes the branch (model.sync), as Neon's background job does. */
  expiresAt?: Date;
}

export interface EndpointRecord {
  id: string;
  branchId: string;
  createdAt: Date;
  updatedAt: Date;
  state: "init" | "active" | "idle";
}

/**
 * A snapshot: which branch, which moment of its history (inside the branch's restore window when
 * taken, and in the backend's WAL archive). Kept when its branch is deleted, as on Neon.
 */
export interface SnapshotRecord {
  id: string;
  name: string;
  sourceBranchId: string;
  /** The moment it holds, as the client asked for it (normalized to ISO 8601), or the time it was taken. */
  timestamp: string;
  createdAt: Date;
  /** As the client sent it (normalized): past it, the snapshot is gone. */
  expiresAt?: string;
  /** The operation taking it has not finished: not saved (a restart forgets it), dropped if the operation fails. */
  pending: boolean;
}

/** The operation actions the emulator performs (names from Neon's OperationAction). */
export type EmulatedAction = "create_branch" | "create_timeline" | "start_compute" | "suspend_compute" | "delete_timeline";

export interface OperationRecord {
  id: string;
  branchId?: string;
  endpointId?: string;
  action: EmulatedAction;
  createdAt: Date;
  updatedAt: Date;
  /** Reported as running at least until then, so clients really poll. */
  runningUntil: number;
  result?: { ok: true } | { ok: false; error: string };
}

const ADJECTIVES = ["aged", "bold", "calm", "cool", "damp", "dry", "fancy", "frosty", "green", "late", "little", "lucky", "misty", "morning", "odd", "plain", "quiet", "royal", "shiny", "small", "snowy", "spring", "still", "sweet", "wild", "wispy"];
const NOUNS = ["band", "bar", "bird", "breeze", "brook", "cake", "cell", "cloud", "dawn", "dew", "field", "firefly", "frog", "glade", "leaf", "meadow", "moon", "pine", "rain", "river", "salad", "sea", "smoke", "sound", "term", "wind"];

/** Neon-style ids: `br-wispy-meadow-a5tk0xbe`, `ep-cool-sea-12ab34cd`, `snap-calm-dawn-3k9x0b2a` (pattern ^[a-z0-9-]{1,60}$). */
export function newId(prefix: "br" | "ep" | "snap"): string {
  const pick = (words: string[]) => words[randomInt(words.length)] as string;
  const suffix = [...randomBytes(8)].map((byte) => "abcdefghijklmnopqrstuvwxyz0123456789"[byte % 36]).join("");
  return `${prefix}-${pick(ADJECTIVES)}-${pick(NOUNS)}-${suffix}`;
}

export const newOperationId = () => randomUUID();

export function operationStatus(op: OperationRecord, now = Date.now()): "running" | "finished" | "failed" {
  if (!op.result || now < op.runningUntil) return "running";
  return op.result.ok ? "finished" : "failed";
}
