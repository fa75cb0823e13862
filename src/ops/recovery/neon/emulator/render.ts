import type { AnnotationData, Branch, Database, Endpoint, EndpointPoolerMode, EndpointState, EndpointType, Operation, OperationAction, OperationStatus, Project, Role, Snapshot } from "@neondatabase/api-client";
import { type BranchRecord, type EndpointRecord, type OperationRecord, type SnapshotRecord, operationStatus } from "./records.ts";

/**
 * How Neon's API v2 renders the emulator's records: field names and shapes are the generated
 * types of @neondatabase/api-client (so tsc checks every field here), with the client's enums
 * as the strings that travel on the wire. Counters Neon reports (compute time, sizes) are 0.
 */

/** An api-client type as JSON carries it: its enum-typed fields hold the enum's string values. */
export type NeonEndpoint = Omit<Endpoint, "type" | "current_state" | "pending_state" | "pooler_mode"> & {
  type: `${EndpointType}`;
  current_state: `${EndpointState}`;
  pending_state?: `${EndpointState}`;
  pooler_mode: `${EndpointPoolerMode}`;
};
export type NeonOperation = Omit<Operation, "action" | "status"> & { action: `${OperationAction}`; status: `${OperationStatus}` };

/** Neon reports times to the second ("2022-11-23T17:42:25Z"). */
export const neonTime = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

export function renderBranch(branch: BranchRecord, projectId: string): Branch {
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
    ...(branch.expiresAt && { expires_at: neonTime(branch.expiresAt) }),
    init_source: "parent-data",
  };
}

/** A manual snapshot (no LSN: the emulator's moments are timestamps; no sizes: nothing is charged). */
export function renderSnapshot(snapshot: SnapshotRecord): Snapshot {
  return {
    id: snapshot.id,
    name: snapshot.name,
    timestamp: snapshot.timestamp,
    source_branch_id: snapshot.sourceBranchId,
    created_at: neonTime(snapshot.createdAt),
    ...(snapshot.expiresAt && { expires_at: snapshot.expiresAt }),
    manual: true,
  };
}

/** GET /branches/{id} answers the branch with its annotation; the emulator keeps none, so its value is empty. */
export function renderAnnotation(branch: BranchRecord): AnnotationData {
  return { object: { type: "console/branch", id: branch.id }, value: {}, created_at: neonTime(branch.createdAt), updated_at: neonTime(branch.updatedAt) };
}

export function renderEndpoint(endpoint: EndpointRecord, projectId: string, host: string): NeonEndpoint {
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

export function renderOperation(op: OperationRecord, projectId: string, now = Date.now()): NeonOperation {
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

/** The one role and database a new branch reports (the backend's configured pair). */
export function renderRoleAndDatabase(branchId: string, role: string, database: string, at: Date): { roles: Role[]; databases: Database[] } {
  return {
    roles: [{ branch_id: branchId, name: role, protected: false, created_at: neonTime(at), updated_at: neonTime(at) }],
    databases: [{ id: 1, branch_id: branchId, name: database, owner_name: role, created_at: neonTime(at), updated_at: neonTime(at) }],
  };
}

export interface ProjectFacts {
  id: string;
  name: string;
  createdAt: Date;
  pgVersion: number;
  host: string;
  historyRetentionSeconds: number;
}

export function renderProject(project: ProjectFacts): Project {
  const created = neonTime(project.createdAt);
  const periodStart = new Date(Date.UTC(project.createdAt.getUTCFullYear(), project.createdAt.getUTCMonth(), 1));
  return {
    id: project.id,
    platform_id: "local",
    region_id: "local",
    name: project.name,
    provisioner: "k8s-pod",
    pg_version: project.pgVersion,
    proxy_host: project.host,
    branch_logical_size_limit: 0,
    branch_logical_size_limit_bytes: 0,
    store_passwords: true,
    creation_source: "neon-emulator",
    history_retention_seconds: project.historyRetentionSeconds,
    created_at: created,
    updated_at: created,
    owner_id: "neon-emulator",
    data_storage_bytes_hour: 0,
    data_transfer_bytes: 0,
    written_data_bytes: 0,
    compute_time_seconds: 0,
    active_time_seconds: 0,
    cpu_used_sec: 0,
    consumption_period_start: neonTime(periodStart),
    consumption_period_end: neonTime(new Date(Date.UTC(periodStart.getUTCFullYear(), periodStart.getUTCMonth() + 1, 1))),
  };
}
