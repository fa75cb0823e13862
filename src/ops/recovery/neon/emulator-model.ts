import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";

/**
 * What the Neon emulator knows beyond its backend: Neon's ids, parents and timestamps of branches,
 * compute endpoints and operations, and how Neon's API v2 renders them (field names and shapes as
 * in @neondatabase/api-client's generated types). Counters Neon reports (compute time, sizes) are 0.
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
}

export interface EndpointRecord {
  id: string;
  branchId: string;
  createdAt: Date;
  updatedAt: Date;
  state: "init" | "active" | "idle";
}

export interface OperationRecord {
  id: string;
  branchId?: string;
  endpointId?: string;
  action: string;
  createdAt: Date;
  updatedAt: Date;
  /** Reported as running at least until then, so clients really poll. */
  runningUntil: number;
  result?: { ok: true } | { ok: false; error: string };
}

// ---- ids -----------------------------------------------------------------------------------------

const ADJECTIVES = ["aged", "bold", "calm", "cool", "damp", "dry", "fancy", "frosty", "green", "late", "little", "lucky", "misty", "morning", "odd", "plain", "quiet", "royal", "shiny", "small", "snowy", "spring", "still", "sweet", "wild", "wispy"];
const NOUNS = ["band", "bar", "bird", "breeze", "brook", "cake", "cell", "cloud", "dawn", "dew", "field", "firefly", "frog", "glade", "leaf", "meadow", "moon", "pine", "rain", "river", "salad", "sea", "smoke", "sound", "term", "wind"];

/** Neon-style ids: `br-wispy-meadow-a5tk0xbe`, `ep-cool-sea-12ab34cd` (pattern ^[a-z0-9-]{1,60}$). */
export function newId(prefix: "br" | "ep"): string {
  const pick = (words: string[]) => words[randomInt(words.length)] as string;
  const suffix = [...randomBytes(8)].map((byte) => "abcdefghijklmnopqrstuvwxyz0123456789"[byte % 36]).join("");
  return `${prefix}-${pick(ADJECTIVES)}-${pick(NOUNS)}-${suffix}`;
}

export const newOperationId = () => randomUUID();

// ---- rendering -----------------------------------------------------------------------------------

/** Neon reports times to the second ("2022-11-23T17:42:25Z"). */
export const neonTime = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

export function renderBranch(branch: BranchRecord, projectId: string) {
  return {
    id: branch.id,
    project_id: projectId,
    ...(branch.parentId && { parent_id: branch.parentId }),
    ...(branch.parentTimestamp && { parent_timestamp: branch.parentTimestamp }),
    name: branch.name,
    current_state: branch.state,
    ...(branch.state !== "ready" && { pending_state: "ready" }),
    state_changed_at: neonTime(branch.stateChangedAt),
    logical_size: 0,
    creation_source: "neon-emulator",
    primary: branch.isDefault,
    default: branch.isDefault,
    protected: false,
    cpu_used_sec: 0,
    compute_time_seconds: 0,
    active_time_seconds: 0,
    written_data_bytes: 0,
    data_transfer_bytes: 0,
    created_at: neonTime(branch.createdAt),
    updated_at: neonTime(branch.updatedAt),
    ...(branch.lastResetAt && { last_reset_at: neonTime(branch.lastResetAt) }),
    init_source: "parent-data",
  };
}

export function renderEndpoint(endpoint: EndpointRecord, projectId: string, host: string) {
  return {
    host,
    id: endpoint.id,
    project_id: projectId,
    branch_id: endpoint.branchId,
    autoscaling_limit_min_cu: 0.25,
    autoscaling_limit_max_cu: 0.25,
    region_id: "local",
    type: "read_write",
    current_state: endpoint.state,
    ...(endpoint.state === "init" && { pending_state: "active" }),
    settings: {},
    pooler_enabled: false,
    pooler_mode: "transaction",
    disabled: false,
    passwordless_access: false,
    creation_source: "neon-emulator",
    created_at: neonTime(endpoint.createdAt),
    updated_at: neonTime(endpoint.updatedAt),
    proxy_host: host,
    suspend_timeout_seconds: 0,
    provisioner: "k8s-pod",
  };
}

export function operationStatus(op: OperationRecord, now = Date.now()): "running" | "finished" | "failed" {
  if (!op.result || now < op.runningUntil) return "running";
  return op.result.ok ? "finished" : "failed";
}

export function renderOperation(op: OperationRecord, projectId: string, now = Date.now()) {
  const status = operationStatus(op, now);
  return {
    id: op.id,
    project_id: projectId,
    ...(op.branchId && { branch_id: op.branchId }),
    ...(op.endpointId && { endpoint_id: op.endpointId }),
    action: op.action,
    status,
    ...(status === "failed" && op.result && !op.result.ok && { error: op.result.error }),
    failures_count: status === "failed" ? 1 : 0,
    created_at: neonTime(op.createdAt),
    updated_at: neonTime(status === "running" ? op.createdAt : op.updatedAt),
    total_duration_ms: status === "running" ? 0 : Math.max(0, op.updatedAt.getTime() - op.createdAt.getTime()),
  };
}

// ---- keeping ids across restarts (command-line use) ---------------------------------------------

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
    }),
  ),
  endpoints: z.array(z.object({ id: z.string(), branchId: z.string(), createdAt: date, updatedAt: date })),
});

export function loadRecords(file: string): { branches: BranchRecord[]; endpoints: EndpointRecord[] } {
  if (!existsSync(file)) return { branches: [], endpoints: [] };
  const parsed = savedSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file} is not a Neon emulator state file: ${parsed.error.issues[0]?.message ?? "invalid"}.`);
  return {
    branches: parsed.data.branches.map((b) => ({ ...b, state: "ready" as const, busy: false })),
    endpoints: parsed.data.endpoints.map((e) => ({ ...e, state: "active" as const })),
  };
}

export function saveRecords(file: string, branches: Iterable<BranchRecord>, endpoints: Iterable<EndpointRecord>): void {
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
      })),
    endpoints: [...endpoints].map(({ state: _state, ...e }) => ({ ...e, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() })),
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(plain, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
