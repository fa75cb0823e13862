import {
  EndpointPoolerMode,
  EndpointState,
  EndpointType,
  OperationAction,
  OperationStatus,
  type AnnotationData,
  type AnnotationResponse,
  type AnnotationsMapResponse,
  type Branch,
  type BranchOperations,
  type BranchResponse,
  type BranchesResponse,
  type ConnectionURIResponse,
  type ConnectionURIsOptionalResponse,
  type CursorPaginationResponse,
  type Database,
  type DatabasesResponse,
  type Endpoint,
  type EndpointOperations,
  type EndpointsResponse,
  type GeneralError,
  type Operation,
  type OperationResponse,
  type OperationsResponse,
  type PaginationResponse,
  type Project,
  type ProjectResponse,
  type Role,
  type RolesResponse,
  type Snapshot,
  type createApiClient,
} from "@neondatabase/api-client";
import { z } from "zod";

/**
 * Zod schemas of Neon's API answers, written from @neondatabase/api-client's generated types (the
 * types come from Neon's OpenAPI document). Each one compiles only while its output type and the
 * client's type are assignable both ways, so a required field missing, added or of another type
 * on either side fails `tsc`; parsed against the emulator's live answers, they fail the test.
 * Objects are strict: a field the client does not know (a misspelling) is refused too.
 */

type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** `matches<ClientType>()(schema)`: the schema, if its output and ClientType are assignable both ways; a type error otherwise. */
export const matches =
  <Client>() =>
  <S extends z.ZodType>(schema: S & (MutuallyAssignable<z.output<S>, Client> extends true ? unknown : never)): S =>
    schema;

const time = z.iso.datetime({ offset: true });
const neonId = z.string().regex(/^[a-z0-9-]{1,60}$/);

export const BranchSchema = matches<Branch>()(
  z.strictObject({
    id: neonId,
    project_id: neonId,
    parent_id: neonId.optional(),
    parent_lsn: z.string().optional(),
    parent_timestamp: time.optional(),
    name: z.string(),
    current_state: z.string(),
    pending_state: z.string().optional(),
    state_changed_at: time,
    logical_size: z.number().optional(),
    creation_source: z.string(),
    primary: z.boolean().optional(),
    default: z.boolean(),
    protected: z.boolean(),
    cpu_used_sec: z.number(),
    compute_time_seconds: z.number(),
    active_time_seconds: z.number(),
    written_data_bytes: z.number(),
    data_transfer_bytes: z.number(),
    created_at: time,
    updated_at: time,
    last_reset_at: time.optional(),
    init_source: z.string().optional(),
  }),
);

export const EndpointSchema = matches<Endpoint>()(
  z.strictObject({
    host: z.string(),
    id: neonId,
    project_id: neonId,
    branch_id: neonId,
    autoscaling_limit_min_cu: z.number(),
    autoscaling_limit_max_cu: z.number(),
    region_id: z.string(),
    type: z.enum(EndpointType),
    current_state: z.enum(EndpointState),
    pending_state: z.enum(EndpointState).optional(),
    settings: z.strictObject({ pg_settings: z.record(z.string(), z.string()).optional(), pgbouncer_settings: z.record(z.string(), z.string()).optional() }),
    pooler_enabled: z.boolean(),
    pooler_mode: z.enum(EndpointPoolerMode),
    disabled: z.boolean(),
    passwordless_access: z.boolean(),
    creation_source: z.string(),
    created_at: time,
    updated_at: time,
    proxy_host: z.string(),
    suspend_timeout_seconds: z.number().int().min(-1).max(604_800),
    provisioner: z.string(),
  }),
);

export const OperationSchema = matches<Operation>()(
  z.strictObject({
    id: z.uuid(),
    project_id: neonId,
    branch_id: neonId.optional(),
    endpoint_id: neonId.optional(),
    action: z.enum(OperationAction),
    status: z.enum(OperationStatus),
    error: z.string().optional(),
    failures_count: z.number().int().min(0),
    retry_at: time.optional(),
    created_at: time,
    updated_at: time,
    total_duration_ms: z.number().int().min(0),
  }),
);

export const ProjectSchema = matches<Project>()(
  z.strictObject({
    data_storage_bytes_hour: z.number(),
    data_transfer_bytes: z.number(),
    written_data_bytes: z.number(),
    compute_time_seconds: z.number(),
    active_time_seconds: z.number(),
    cpu_used_sec: z.number(),
    id: neonId,
    platform_id: z.string(),
    region_id: z.string(),
    name: z.string(),
    provisioner: z.string(),
    pg_version: z.number().int(),
    proxy_host: z.string(),
    branch_logical_size_limit: z.number(),
    branch_logical_size_limit_bytes: z.number(),
    store_passwords: z.boolean(),
    creation_source: z.string(),
    history_retention_seconds: z.number().int().min(0),
    created_at: time,
    updated_at: time,
    consumption_period_start: time,
    consumption_period_end: time,
    owner_id: z.string(),
  }),
);

const RoleSchema = matches<Role>()(
  z.strictObject({ branch_id: neonId, name: z.string(), password: z.string().optional(), protected: z.boolean().optional(), created_at: time, updated_at: time }),
);
const DatabaseSchema = matches<Database>()(
  z.strictObject({ id: z.number().int(), branch_id: neonId, name: z.string(), owner_name: z.string(), created_at: time, updated_at: time }),
);
export const SnapshotSchema = matches<Snapshot>()(
  z.strictObject({
    id: neonId,
    name: z.string(),
    lsn: z.string().optional(),
    timestamp: time.optional(),
    source_branch_id: neonId.optional(),
    created_at: time,
    expires_at: time.optional(),
    manual: z.boolean().optional(),
    full_size: z.number().int().min(0).optional(),
    diff_size: z.number().int().min(0).optional(),
  }),
);
const AnnotationSchema = matches<AnnotationData>()(
  z.strictObject({ object: z.strictObject({ type: z.string(), id: z.string() }), value: z.record(z.string(), z.string()), created_at: time.optional(), updated_at: time.optional() }),
);

// ---- the answers, as the client's methods type them -------------------------------------------------------

/** GET /projects/{project_id} */
export const ProjectAnswer = matches<ProjectResponse>()(z.strictObject({ project: ProjectSchema }));

/** GET /projects/{project_id}/branches */
export const BranchesAnswer = matches<BranchesResponse & AnnotationsMapResponse & CursorPaginationResponse>()(
  z.strictObject({
    branches: z.array(BranchSchema),
    annotations: z.record(z.string(), AnnotationSchema),
    pagination: z.strictObject({ next: z.string().optional(), sort_by: z.string().optional(), sort_order: z.string().optional() }).optional(),
  }),
);

/** POST /projects/{project_id}/branches */
export const CreatedBranchAnswer = matches<BranchResponse & EndpointsResponse & OperationsResponse & RolesResponse & DatabasesResponse & ConnectionURIsOptionalResponse>()(
  z.strictObject({
    branch: BranchSchema,
    endpoints: z.array(EndpointSchema),
    operations: z.array(OperationSchema),
    roles: z.array(RoleSchema),
    databases: z.array(DatabaseSchema),
  }),
);

/** GET /projects/{project_id}/branches/{branch_id} */
export const BranchAnswer = matches<BranchResponse & AnnotationResponse>()(z.strictObject({ branch: BranchSchema, annotation: AnnotationSchema }));

/** POST .../branches/{branch_id}/restore and DELETE .../branches/{branch_id} */
export const BranchOperationsAnswer = matches<BranchOperations>()(z.strictObject({ branch: BranchSchema, operations: z.array(OperationSchema) }));

/** GET /projects/{project_id}/endpoints and .../branches/{branch_id}/endpoints */
export const EndpointsAnswer = matches<EndpointsResponse>()(z.strictObject({ endpoints: z.array(EndpointSchema) }));

/** POST /projects/{project_id}/endpoints */
export const EndpointOperationsAnswer = matches<EndpointOperations>()(z.strictObject({ endpoint: EndpointSchema, operations: z.array(OperationSchema) }));

/** GET /projects/{project_id}/operations */
export const OperationsAnswer = matches<OperationsResponse & PaginationResponse>()(
  z.strictObject({ operations: z.array(OperationSchema), pagination: z.strictObject({ cursor: z.string().min(1) }).optional() }),
);

/** GET /projects/{project_id}/operations/{operation_id} */
export const OperationAnswer = matches<OperationResponse>()(z.strictObject({ operation: OperationSchema }));

/** What a method of the client answers, for the answers the client types inline (snapshots). */
export type Answer<M extends keyof ReturnType<typeof createApiClient>> = ReturnType<typeof createApiClient>[M] extends (...args: never[]) => Promise<{ data: infer D }> ? D : never;

/** POST /projects/{project_id}/branches/{branch_id}/snapshot */
export const CreatedSnapshotAnswer = matches<Answer<"createSnapshot">>()(z.strictObject({ snapshot: SnapshotSchema, operations: z.array(OperationSchema) }));

/** GET /projects/{project_id}/snapshots */
export const SnapshotsAnswer = matches<Answer<"listSnapshots">>()(z.strictObject({ snapshots: z.array(SnapshotSchema) }));

/** DELETE /projects/{project_id}/snapshots/{snapshot_id} */
export const DeletedSnapshotAnswer = matches<Answer<"deleteSnapshot">>()(z.strictObject({ operations: z.array(OperationSchema) }));

/** GET /projects/{project_id}/connection_uri */
export const ConnectionUriAnswer = matches<ConnectionURIResponse>()(z.strictObject({ uri: z.string().regex(/^postgres(ql)?:\/\//) }));

/** Every error: Neon's GeneralError (with the request id Neon fills in when the client sent none), one line, never a stack trace. */
export const ErrorAnswer = matches<GeneralError & { request_id: string }>()(
  z.strictObject({
    request_id: z.string().min(1),
    code: z.string(),
    message: z
      .string()
      .min(1)
      .refine((text) => !/[\r\n]/.test(text) && !/\bat .+:\d+:\d+/.test(text), "one line, without a stack trace"),
  }),
);
