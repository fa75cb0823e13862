import { z } from "zod";
import { connect } from "../../sql.ts";
import { type Branch, type RecoveryProvider, RecoveryError, assertBranchName } from "../provider.ts";
import {
  type BranchRecord,
  type EndpointRecord,
  type OperationRecord,
  loadRecords,
  neonTime,
  newId,
  newOperationId,
  operationStatus,
  renderBranch,
  renderEndpoint,
  renderOperation,
  saveRecords,
} from "./emulator-model.ts";

/**
 * The emulated Neon API behind emulator.ts's HTTP server: routes, request validation, Neon's
 * rules (operations, 423 while one runs, history checks, restore semantics) and the calls to the
 * backend. One request at a time; changes run in the background as operations.
 */

/** A recovery provider, plus what the self-hosted one offers to behave more like Neon. */
export interface EmulatorBackend extends RecoveryProvider {
  /** Makes everything committed so far restorable (Neon's history has no archiving delay). */
  archiveCurrentWal?(branch?: string): Promise<void>;
  /** Starts a stopped branch (Neon wakes a suspended compute on connect). */
  startBranch?(name: string): Promise<Branch>;
}

export interface NeonEmulatorOptions {
  provider: EmulatorBackend;
  /** The key clients must send as `Authorization: Bearer <key>`. */
  apiKey: string;
  projectId: string;
  projectName?: string;
  /** 127.0.0.1 and a free port unless given. */
  host?: string;
  port?: number;
  /** The project's history_retention_seconds (Neon's default on paid plans: 1 day). */
  historyRetentionSeconds?: number;
  /** How long an operation reports `running` at least. */
  operationDelayMs?: number;
  /** The role connection URIs are made for (the backend's superuser), and the database reported for new branches. */
  role?: string;
  database?: string;
  /** Keeps ids and Neon metadata across restarts (command-line use). */
  stateFile?: string;
  log?: (line: string) => void;
}

// ---- requests and answers ---------------------------------------------------------------------------------------

export interface Answer {
  status: number;
  body?: unknown;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const failure = (status: number, code: string, message: string): Answer => ({ status, body: { code, message } });
export const badRequest = (message: string) => new HttpError(400, "BAD_REQUEST", message);
const notFound = (message: string) => new HttpError(404, "NOT_FOUND", message);

const branchId = z.string().regex(/^[a-z0-9-]{1,60}$/);
const timestamp = z.iso.datetime({ offset: true });
const createBranchBody = z
  .object({
    branch: z
      .object({
        name: z.string().min(1).max(256).optional(),
        parent_id: branchId.optional(),
        parent_lsn: z.string().optional(),
        parent_timestamp: timestamp.optional(),
        init_source: z.string().optional(),
      })
      .loose()
      .optional(),
    endpoints: z.array(z.object({ type: z.enum(["read_write", "read_only"]) }).loose()).optional(),
  })
  .loose();
const restoreBody = z
  .object({
    source_branch_id: branchId,
    source_lsn: z.string().optional(),
    source_timestamp: timestamp.optional(),
    preserve_under_name: z.string().optional(),
  })
  .loose();
const createEndpointBody = z.object({ endpoint: z.object({ branch_id: branchId, type: z.enum(["read_write", "read_only"]) }).loose() }).loose();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(`invalid request body: ${issue?.path.join(".") || "(body)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export class Emulator {
  private readonly branches = new Map<string, BranchRecord>();
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly operations = new Map<string, OperationRecord>();
  /** Names an operation is about to give a branch: not adopted from the backend meanwhile. */
  private readonly reserved = new Set<string>();
  private readonly backend: EmulatorBackend;
  private readonly retention: number;
  private readonly delay: number;
  private readonly role: string;
  private readonly database: string;
  private readonly createdAt = new Date();
  private endpointHost = "127.0.0.1";
  private pgVersion = 17;
  private lock: Promise<unknown> = Promise.resolve();
  private work: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: NeonEmulatorOptions) {
    this.backend = options.provider;
    this.retention = options.historyRetentionSeconds ?? 86_400;
    this.delay = options.operationDelayMs ?? 300;
    this.role = options.role ?? "postgres";
    this.database = options.database ?? "postgres";
  }

  async init(): Promise<void> {
    if (this.options.stateFile) {
      const saved = loadRecords(this.options.stateFile);
      for (const branch of saved.branches) this.branches.set(branch.id, branch);
      for (const endpoint of saved.endpoints) this.endpoints.set(endpoint.id, endpoint);
    }
    await this.sync();
    const primary = this.defaultBranch();
    try {
      const url = new URL(await this.backend.connectionString(primary.name));
      this.endpointHost = url.hostname;
      const conn = await connect(url.toString(), { applicationName: "neon-emulator" });
      try {
        const { rows } = await conn.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
        this.pgVersion = Math.floor(Number(rows[0]?.v) / 10_000) || this.pgVersion;
      } finally {
        await conn.close();
      }
    } catch {
      // A stopped primary: the defaults are fine for a project description.
    }
  }

  /** Waits for the operations in flight. */
  async idle(): Promise<void> {
    await this.work;
  }

  /** Requests (and the ends of operations) take turns, so each sees a consistent model. */
  handle(method: string, path: string, query: Record<string, string>, body: unknown): Promise<Answer> {
    return this.exclusively(() => this.route(method, path, query, body));
  }

  private exclusively<T>(work: () => Promise<T> | T): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.catch(() => undefined);
    return result;
  }

  private async route(method: string, path: string, query: Record<string, string>, body: unknown): Promise<Answer> {
    const match = /^\/projects\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) throw notFound("not found");
    if (decodeURIComponent(match[1] as string) !== this.options.projectId) throw notFound("project not found");
    const rest = match[2] ?? "";
    await this.sync();

    const branchPath = /^\/branches\/([^/]+)(\/restore|\/endpoints)?$/.exec(rest);
    const operationPath = /^\/operations\/([^/]+)$/.exec(rest);
    const route = `${method} ${branchPath ? `/branches/:id${branchPath[2] ?? ""}` : operationPath ? "/operations/:id" : rest}`;
    const id = decodeURIComponent((branchPath?.[1] ?? operationPath?.[1] ?? "") as string);
    switch (route) {
      case "GET ":
        return { status: 200, body: { project: this.project() } };
      case "GET /branches":
        return { status: 200, body: this.listBranches(query) };
      case "POST /branches":
        return this.createBranch(body);
      case "GET /branches/:id":
        return { status: 200, body: { branch: renderBranch(this.branch(id), this.options.projectId) } };
      case "DELETE /branches/:id":
        return this.deleteBranch(id);
      case "POST /branches/:id/restore":
        return this.restoreBranch(id, body);
      case "GET /branches/:id/endpoints":
        this.branch(id);
        return { status: 200, body: { endpoints: [...this.endpoints.values()].filter((e) => e.branchId === id).map((e) => this.renderEndpoint(e)) } };
      case "GET /endpoints":
        return { status: 200, body: { endpoints: [...this.endpoints.values()].map((e) => this.renderEndpoint(e)) } };
      case "POST /endpoints":
        return this.createEndpoint(body);
      case "GET /operations": {
        const operations = [...this.operations.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
        return { status: 200, body: { operations: operations.map((op) => renderOperation(op, this.options.projectId)), pagination: {} } };
      }
      case "GET /operations/:id": {
        const op = this.operations.get(id);
        if (!op) throw notFound("operation not found");
        return { status: 200, body: { operation: renderOperation(op, this.options.projectId) } };
      }
      case "GET /connection_uri":
        return this.connectionUri(query);
      default:
        throw notFound(`${method} ${path} is not part of the emulated Neon API`);
    }
  }

  // ---- branches ----------------------------------------------------------------------------------

  private listBranches(query: Record<string, string>) {
    const sortBy = (["name", "created_at", "updated_at"] as const).find((f) => f === query.sort_by) ?? "updated_at";
    const order = query.sort_order === "asc" ? 1 : -1;
    const key = (b: BranchRecord) => (sortBy === "name" ? b.name : sortBy === "created_at" ? b.createdAt.toISOString() : b.updatedAt.toISOString());
    const search = query.search?.toLowerCase();
    let list = [...this.branches.values()]
      .filter((b) => !search || b.name.toLowerCase().includes(search) || b.id.includes(search))
      .sort((a, b) => (key(a) < key(b) ? -order : key(a) > key(b) ? order : a.id < b.id ? -1 : 1));
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) throw badRequest("limit must be an integer from 1 to 10000");
    const offset = query.cursor ? Number(Buffer.from(query.cursor, "base64url").toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw badRequest("invalid cursor");
    const total = list.length;
    if (limit !== undefined) list = list.slice(offset, offset + limit);
    const more = limit !== undefined && offset + limit < total;
    return {
      branches: list.map((b) => renderBranch(b, this.options.projectId)),
      annotations: {},
      ...(limit !== undefined && {
        pagination: { ...(more && { next: Buffer.from(String(offset + (limit ?? 0))).toString("base64url") }), sort_by: sortBy, sort_order: order > 0 ? "asc" : "desc" },
      }),
    };
  }

  private async createBranch(body: unknown): Promise<Answer> {
    const request = parse(createBranchBody, body);
    const spec = request.branch ?? {};
    if (spec.parent_lsn) throw badRequest("parent_lsn is not supported by the emulator: use parent_timestamp");
    if (spec.init_source && spec.init_source !== "parent-data") throw badRequest(`init_source ${spec.init_source} is not supported by the emulator`);
    const wanted = request.endpoints ?? [];
    if (wanted.some((e) => e.type !== "read_write")) throw badRequest("the emulator has no read-only computes");
    if (wanted.length > 1) throw badRequest("a branch can have only one read_write endpoint");
    this.assertNoRunningOperation();

    const parent = spec.parent_id ? this.branch(spec.parent_id) : this.defaultBranch();
    if (parent.state !== "ready") throw badRequest(`parent branch ${parent.id} is not ready`);
    const id = newId("br");
    const name = spec.name ?? id;
    this.assertName(name);
    if (this.nameTaken(name)) throw new HttpError(409, "BRANCH_ALREADY_EXISTS", "branch with the provided name already exists");
    const at = spec.parent_timestamp === undefined ? undefined : new Date(spec.parent_timestamp);
    if (at) await this.assertInHistory("parent_timestamp", at, parent);

    const now = new Date();
    const branch: BranchRecord = {
      id,
      name,
      parentId: parent.id,
      parentTimestamp: (at ?? now).toISOString(),
      createdAt: now,
      updatedAt: now,
      stateChangedAt: now,
      state: "init",
      isDefault: false,
      busy: true,
    };
    this.branches.set(id, branch);
    const endpoint: EndpointRecord | undefined = wanted.length ? { id: newId("ep"), branchId: id, createdAt: now, updatedAt: now, state: "init" } : undefined;
    if (endpoint) this.endpoints.set(endpoint.id, endpoint);
    const operations = [this.operation("create_branch", id), ...(endpoint ? [this.operation("start_compute", id, endpoint.id)] : [])];

    this.run(
      operations,
      async () => {
        const effective = at ? await this.reachable(parent, at) : undefined;
        if (!at) await this.ensureRunning(parent);
        await this.backend.createBranch(name, { parent: parent.name, ...(effective && { at: effective }) });
      },
      (ok) => {
        if (ok) {
          this.settle(branch, "ready");
          if (endpoint) endpoint.state = "active";
        } else {
          this.branches.delete(id);
          if (endpoint) this.endpoints.delete(endpoint.id);
        }
      },
    );
    return {
      status: 201,
      body: {
        branch: renderBranch(branch, this.options.projectId),
        endpoints: endpoint ? [this.renderEndpoint(endpoint)] : [],
        operations: operations.map((op) => renderOperation(op, this.options.projectId)),
        roles: [{ branch_id: id, name: this.role, protected: false, created_at: neonTime(now), updated_at: neonTime(now) }],
        databases: [{ id: 1, branch_id: id, name: this.database, owner_name: this.role, created_at: neonTime(now), updated_at: neonTime(now) }],
      },
    };
  }

  private async restoreBranch(id: string, body: unknown): Promise<Answer> {
    const target = this.branch(id);
    const request = parse(restoreBody, body);
    if (request.source_lsn) throw badRequest("source_lsn is not supported by the emulator: use source_timestamp");
    if (request.source_branch_id !== id) throw badRequest("the emulator restores a branch from its own history only: source_branch_id must be the branch's id");
    if (!request.source_timestamp) throw badRequest("source_timestamp or source_lsn is required when source_branch_id is the branch itself");
    const preserveName = request.preserve_under_name;
    if (!preserveName) throw badRequest("preserve_under_name is required when source_branch_id is the branch itself");
    this.assertName(preserveName);
    if (this.nameTaken(preserveName)) throw new HttpError(409, "BRANCH_ALREADY_EXISTS", "branch with the provided name already exists");
    this.assertNoRunningOperation();
    if (target.state !== "ready") throw badRequest(`branch ${id} is not ready`);
    const at = new Date(request.source_timestamp);
    await this.assertInHistory("source_timestamp", at, target);

    const endpoint = this.readWriteEndpoint(target.id);
    const operations = [this.operation("create_timeline", id), ...(endpoint ? [this.operation("start_compute", id, endpoint.id)] : [])];
    const preservedId = newId("br");
    this.reserved.add(preserveName);
    target.busy = true;
    this.setState(target, "resetting");

    this.run(
      operations,
      async () => {
        const effective = await this.reachable(target, at);
        await this.backend.restoreBranch(target.name, { at: effective, preserveUnderName: preserveName });
      },
      (ok) => {
        this.reserved.delete(preserveName);
        if (ok) {
          const now = new Date();
          // Neon: the old state becomes the branch's parent, and the branch's children move to it.
          const preserved: BranchRecord = {
            id: preservedId,
            name: preserveName,
            ...(target.parentId && { parentId: target.parentId }),
            ...(target.parentTimestamp && { parentTimestamp: target.parentTimestamp }),
            createdAt: now,
            updatedAt: now,
            stateChangedAt: now,
            state: "ready",
            isDefault: false,
            busy: false,
          };
          for (const child of this.branches.values()) if (child.parentId === target.id) child.parentId = preservedId;
          this.branches.set(preservedId, preserved);
          Object.assign(target, { parentId: preservedId, parentTimestamp: at.toISOString(), lastResetAt: now, updatedAt: now });
        }
        this.settle(target, "ready");
      },
    );
    return {
      status: 200,
      body: { branch: renderBranch(target, this.options.projectId), operations: operations.map((op) => renderOperation(op, this.options.projectId)) },
    };
  }

  private deleteBranch(id: string): Answer {
    const target = this.branches.get(id);
    if (!target) return { status: 204 };
    if (target.isDefault) throw badRequest("cannot delete the project's default branch");
    const children = [...this.branches.values()].filter((b) => b.parentId === id);
    if (children.length) throw badRequest(`branch ${id} has child branches (${children.map((c) => c.id).join(", ")}): delete them first`);
    this.assertNoRunningOperation();
    const endpoint = this.readWriteEndpoint(id);
    const operations = [...(endpoint ? [this.operation("suspend_compute", id, endpoint.id)] : []), this.operation("delete_timeline", id)];
    target.busy = true;
    this.run(
      operations,
      () => this.backend.deleteBranch(target.name),
      (ok) => {
        if (ok) {
          this.branches.delete(id);
          for (const e of this.endpoints.values()) if (e.branchId === id) this.endpoints.delete(e.id);
        } else {
          target.busy = false;
        }
      },
    );
    return { status: 200, body: { branch: renderBranch(target, this.options.projectId), operations: operations.map((op) => renderOperation(op, this.options.projectId)) } };
  }

  // ---- endpoints and connection URIs -------------------------------------------------------------

  private createEndpoint(body: unknown): Answer {
    const request = parse(createEndpointBody, body).endpoint;
    if (request.type !== "read_write") throw badRequest("the emulator has no read-only computes");
    const branch = this.branch(request.branch_id);
    if (this.readWriteEndpoint(branch.id)) throw badRequest(`branch ${branch.id} already has a read_write endpoint`);
    this.assertNoRunningOperation();
    const now = new Date();
    const endpoint: EndpointRecord = { id: newId("ep"), branchId: branch.id, createdAt: now, updatedAt: now, state: "init" };
    this.endpoints.set(endpoint.id, endpoint);
    const operations = [this.operation("start_compute", branch.id, endpoint.id)];
    this.run(
      operations,
      () => this.ensureRunning(branch),
      (ok) => {
        if (ok) endpoint.state = "active";
        else this.endpoints.delete(endpoint.id);
      },
    );
    return { status: 201, body: { endpoint: this.renderEndpoint(endpoint), operations: operations.map((op) => renderOperation(op, this.options.projectId)) } };
  }

  private async connectionUri(query: Record<string, string>): Promise<Answer> {
    if (!query.database_name) throw badRequest("database_name is required");
    if (!query.role_name) throw badRequest("role_name is required");
    const branch = query.branch_id ? this.branch(query.branch_id) : this.defaultBranch();
    const endpoint = query.endpoint_id ? this.endpoints.get(query.endpoint_id) : this.readWriteEndpoint(branch.id);
    if (!endpoint) throw notFound(query.endpoint_id ? "endpoint not found" : `read_write endpoint not found for branch ${branch.id}`);
    if (endpoint.branchId !== branch.id) throw badRequest(`endpoint ${endpoint.id} does not belong to branch ${branch.id}`);
    if (endpoint.state === "init") throw new HttpError(423, "LOCKED", `endpoint ${endpoint.id} is still starting`);
    if (query.role_name !== this.role) throw notFound(`role ${query.role_name} not found`);
    await this.ensureRunning(branch);
    const uri = await this.backend.connectionString(branch.name, { database: query.database_name, pooled: query.pooled === "true" });
    return { status: 200, body: { uri } };
  }

  private readWriteEndpoint(branchId: string): EndpointRecord | undefined {
    return [...this.endpoints.values()].find((e) => e.branchId === branchId);
  }

  private renderEndpoint(endpoint: EndpointRecord) {
    return renderEndpoint(endpoint, this.options.projectId, this.endpointHost);
  }

  // ---- history ------------------------------------------------------------------------------------

  /** Refuses, before anything starts, a moment Neon would refuse or the backend cannot restore. */
  private async assertInHistory(field: string, at: Date, branch: BranchRecord): Promise<void> {
    const now = Date.now();
    const iso = at.toISOString();
    if (at.getTime() > now) throw badRequest(`${field} ${iso} is in the future`);
    if (at.getTime() < now - this.retention * 1000) throw badRequest(`${field} ${iso} is beyond the project's history retention of ${this.retention} seconds`);
    if (!branch.isDefault && at < branch.createdAt) throw badRequest(`${field} ${iso} is before branch ${branch.id} was created (${branch.createdAt.toISOString()})`);
    let from: Date;
    try {
      from = (await this.backend.restoreWindow({ branch: branch.name })).from;
    } catch (error) {
      if (!(error instanceof RecoveryError && error.code === "NO_RESTORE_WINDOW")) throw error;
      // Neon's history holds everything committed; the self-hosted archive may simply not have
      // received the first segment after the base backup yet: archive it and look again.
      await this.backend.archiveCurrentWal?.(branch.name).catch(() => undefined);
      try {
        from = (await this.backend.restoreWindow({ branch: branch.name })).from;
      } catch (again) {
        if (again instanceof RecoveryError && again.code === "NO_RESTORE_WINDOW") throw badRequest(`no history of branch ${branch.id} is available yet for ${field} ${iso}`);
        throw again;
      }
    }
    if (at < from) throw badRequest(`${field} ${iso} is before the oldest history kept for branch ${branch.id} (${from.toISOString()})`);
  }

  /**
   * The moment to hand the backend. Neon's history has everything committed; the self-hosted
   * archive lags by up to archive_timeout, so the current WAL is archived first, and a moment
   * after the last archived commit (nothing happened since) becomes that commit.
   */
  private async reachable(branch: BranchRecord, at: Date): Promise<Date> {
    let window = await this.backend.restoreWindow({ branch: branch.name });
    if (at <= window.to) return at;
    if (this.backend.archiveCurrentWal) {
      await this.backend.archiveCurrentWal(branch.name).catch(() => undefined);
      window = await this.backend.restoreWindow({ branch: branch.name });
    }
    return at <= window.to ? at : window.to;
  }

  private async ensureRunning(branch: BranchRecord): Promise<void> {
    if (!this.backend.startBranch) return;
    const current = (await this.backend.listBranches()).find((b) => b.name === branch.name);
    if (current?.state === "stopped") await this.backend.startBranch(branch.name);
  }

  // ---- operations ---------------------------------------------------------------------------------

  private operation(action: string, branchId: string, endpointId?: string): OperationRecord {
    const now = new Date();
    const op: OperationRecord = {
      id: newOperationId(),
      branchId,
      ...(endpointId && { endpointId }),
      action,
      createdAt: now,
      updatedAt: now,
      runningUntil: now.getTime() + this.delay,
    };
    this.operations.set(op.id, op);
    return op;
  }

  private assertNoRunningOperation(): void {
    const now = Date.now();
    if ([...this.operations.values()].some((op) => operationStatus(op, now) === "running")) {
      throw new HttpError(423, "LOCKED", "project already has running conflicting operations, scheduling of new ones is prohibited");
    }
  }

  /** Runs a change in the background; its operations end finished or failed with its error. */
  private run(operations: OperationRecord[], work: () => Promise<unknown>, settle: (ok: boolean) => void): void {
    const task = this.work.then(async () => {
      let error: unknown;
      try {
        await work();
      } catch (e) {
        error = e;
      }
      await this.exclusively(() => {
        const now = new Date();
        settle(error === undefined);
        for (const op of operations) {
          op.updatedAt = now;
          op.result = error === undefined ? { ok: true } : { ok: false, error: oneLine(errorMessage(error)) };
        }
        if (error !== undefined) this.options.log?.(`operation failed: ${oneLine(errorMessage(error))}`);
        this.save();
      });
    });
    this.work = task.catch(() => undefined);
  }

  // ---- the model and the backend ------------------------------------------------------------------

  /** Adopts branches the backend has and the model lacks (made by dbctl, or before a restart), drops vanished ones. */
  private async sync(): Promise<void> {
    const actual = await this.backend.listBranches();
    const byName = new Map(actual.map((b) => [b.name, b]));
    let changed = false;
    const known = new Map([...this.branches.values()].map((b) => [b.name, b]));
    const adopted: Array<[BranchRecord, Branch]> = [];
    for (const branch of [...actual].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
      const record = known.get(branch.name);
      if (record) {
        if (record.isDefault !== branch.primary) {
          record.isDefault = branch.primary;
          changed = true;
        }
        continue;
      }
      if (this.reserved.has(branch.name)) continue;
      const adoptedRecord: BranchRecord = {
        id: newId("br"),
        name: branch.name,
        ...(branch.parentTimestamp && { parentTimestamp: branch.parentTimestamp.toISOString() }),
        createdAt: branch.createdAt,
        updatedAt: branch.createdAt,
        stateChangedAt: branch.createdAt,
        state: "ready",
        isDefault: branch.primary,
        busy: false,
      };
      this.branches.set(adoptedRecord.id, adoptedRecord);
      known.set(branch.name, adoptedRecord);
      adopted.push([adoptedRecord, branch]);
      // Every backend branch is a server of its own: a compute.
      const endpoint: EndpointRecord = { id: newId("ep"), branchId: adoptedRecord.id, createdAt: branch.createdAt, updatedAt: branch.createdAt, state: "active" };
      this.endpoints.set(endpoint.id, endpoint);
      changed = true;
    }
    for (const [record, branch] of adopted) {
      const parentId = branch.parent ? known.get(branch.parent)?.id : undefined;
      if (parentId) record.parentId = parentId;
    }
    for (const record of [...this.branches.values()]) {
      if (record.busy || byName.has(record.name)) continue;
      this.branches.delete(record.id);
      for (const e of this.endpoints.values()) if (e.branchId === record.id) this.endpoints.delete(e.id);
      changed = true;
    }
    for (const endpoint of this.endpoints.values()) {
      const branch = [...this.branches.values()].find((b) => b.id === endpoint.branchId);
      const state = branch && byName.get(branch.name)?.state;
      if (endpoint.state !== "init") endpoint.state = state === "stopped" ? "idle" : "active";
    }
    if (changed) this.save();
  }

  private save(): void {
    if (this.options.stateFile) saveRecords(this.options.stateFile, this.branches.values(), this.endpoints.values());
  }

  private branch(id: string): BranchRecord {
    const branch = this.branches.get(id);
    if (!branch) throw notFound("branch not found");
    return branch;
  }

  private defaultBranch(): BranchRecord {
    const found = [...this.branches.values()].find((b) => b.isDefault);
    if (!found) throw new HttpError(500, "INTERNAL", "the backend has no primary branch");
    return found;
  }

  private nameTaken(name: string): boolean {
    return this.reserved.has(name) || [...this.branches.values()].some((b) => b.name === name);
  }

  private assertName(name: string): void {
    try {
      assertBranchName(name);
    } catch (error) {
      throw badRequest(errorMessage(error));
    }
  }

  private setState(branch: BranchRecord, state: BranchRecord["state"]): void {
    branch.state = state;
    branch.stateChangedAt = new Date();
  }

  private settle(branch: BranchRecord, state: BranchRecord["state"]): void {
    this.setState(branch, state);
    branch.busy = false;
  }

  private project() {
    const created = neonTime(this.createdAt);
    const periodStart = new Date(Date.UTC(this.createdAt.getUTCFullYear(), this.createdAt.getUTCMonth(), 1));
    return {
      id: this.options.projectId,
      platform_id: "local",
      region_id: "local",
      name: this.options.projectName ?? this.options.projectId,
      provisioner: "k8s-pod",
      pg_version: this.pgVersion,
      proxy_host: this.endpointHost,
      branch_logical_size_limit: 0,
      branch_logical_size_limit_bytes: 0,
      store_passwords: true,
      creation_source: "neon-emulator",
      history_retention_seconds: this.retention,
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
}

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
export const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
