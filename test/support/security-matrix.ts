import { describe, expect, it } from "vitest";
import type { createTestApp } from "./app.ts";

/**
 * The security matrix of a resource, generated from the OpenAPI document so that every route of
 * the resource is in it, including routes added later:
 * - every operation that declares bearer security answers 401 without a token;
 * - every operation on `{id}` (each value of each enum query parameter too) answers 404 to another
 *   user for a live row and for a row in the trash, and leaves the owner's row as it was;
 * - for an admin resource, every operation answers 403 to a user who is not an admin.
 * An operation that takes a body needs a sample in `bodies`, so a new route cannot slip through
 * untested.
 */
type TestApp = Awaited<ReturnType<typeof createTestApp>>;

interface Operation {
  method: string;
  /** The OpenAPI path, `/api/v1/notes/{id}`. */
  path: string;
  secured: boolean;
  hasBody: boolean;
  /** `?name=value` for each value of each enum query parameter, or [""] when there are none. */
  variants: string[];
}

interface OpenApiOperation {
  security?: unknown[];
  requestBody?: unknown;
  parameters?: { in: string; name: string; schema?: { enum?: string[] } }[];
}

export async function operationsUnder(t: TestApp, prefix: string): Promise<Operation[]> {
  const doc = (await t.request("GET", "/api/v1/openapi.json")).body as { paths: Record<string, Record<string, OpenApiOperation>> };
  const operations: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
    for (const [method, op] of Object.entries(byMethod)) {
      const enums = (op.parameters ?? []).filter((p) => p.in === "query" && p.schema?.enum);
      const variants = enums.flatMap((p) => (p.schema?.enum ?? []).map((value) => `?${p.name}=${value}`));
      operations.push({ method: method.toUpperCase(), path, secured: (op.security ?? []).length > 0, hasBody: op.requestBody !== undefined, variants: variants.length ? variants : [""] });
    }
  }
  return operations;
}

const label = (op: Operation) => `${op.method} ${op.path}`;

function bodyFor(op: Operation, bodies: Record<string, unknown>): unknown {
  if (!op.hasBody) return undefined;
  const key = `${op.method} ${op.path}`;
  if (!(key in bodies)) throw new Error(`The security matrix has no sample body for ${key}: add one.`);
  return bodies[key];
}

export interface OwnedResource {
  /** The collection's path: `/api/v1/notes`. */
  prefix: string;
  /** Valid bodies by `METHOD /openapi/path`, so the only thing wrong with a request is who sends it. */
  bodies: Record<string, unknown>;
  /** Creates a live row owned by the token's user; its id. */
  create(t: TestApp, token: string): Promise<string>;
}

/** The owner's view of a row: the by-id read while live, its entry in the trash once deleted. */
async function ownersView(t: TestApp, prefix: string, token: string, id: string): Promise<unknown> {
  const live = await t.request("GET", `${prefix}/${id}`, { token });
  if (live.status === 200) return live.body;
  const trash = await t.request("GET", `${prefix}/trash?limit=100`, { token });
  return (trash.body.items as { id: string }[]).find((row) => row.id === id) ?? null;
}

export function describeOwnedResource(name: string, t: TestApp, operations: Operation[], resource: OwnedResource) {
  describe(`${name}: security matrix`, () => {
    const secured = operations.filter((op) => op.secured);
    it("covers every route of the resource", () => {
      expect(secured.map(label)).toEqual(operations.map(label));
      expect(operations.length).toBeGreaterThan(0);
    });

    it.each(secured.map((op) => [label(op), op] as const))("%s without a token answers 401", async (_, op) => {
      const res = await t.request(op.method, op.path.replace("{id}", "anything"), { body: bodyFor(op, resource.bodies) });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });

    const byId = operations.filter((op) => op.path.includes("{id}"));
    const cases = byId.flatMap((op) => op.variants.flatMap((variant) => (["live", "trashed"] as const).map((state) => [`${label(op)}${variant}`, state, op, variant] as const)));
    it.each(cases)("%s on another user's %s row answers 404 and changes nothing", async (_, state, op, variant) => {
      const owner = await t.signup();
      const other = await t.signup();
      const id = await resource.create(t, owner.token);
      if (state === "trashed") expect((await t.request("DELETE", `${resource.prefix}/${id}`, { token: owner.token })).status).toBe(204);
      const before = await ownersView(t, resource.prefix, owner.token, id);
      expect(before).not.toBeNull();

      const res = await t.request(op.method, `${op.path.replace("{id}", id)}${variant}`, { token: other.token, body: bodyFor(op, resource.bodies) });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
      expect(await ownersView(t, resource.prefix, owner.token, id)).toEqual(before);
    });
  });
}

export interface AdminResource {
  bodies?: Record<string, unknown>;
  /** The id the `{id}` routes are asked for: an existing row. */
  existingId(): string;
  /** What an admin would see; it must be the same after a refused request. */
  snapshot(): Promise<unknown>;
}

export function describeAdminResource(name: string, t: TestApp, operations: Operation[], resource: AdminResource) {
  describe(`${name}: security matrix`, () => {
    const cases = operations.map((op) => [label(op), op] as const);
    it("covers every route of the resource", () => {
      expect(operations.length).toBeGreaterThan(0);
      expect(operations.every((op) => op.secured)).toBe(true);
    });
    it.each(cases)("%s: 401 without a token, 403 for a user who is not an admin, nothing changed", async (_, op) => {
      const path = op.path.replace("{id}", resource.existingId());
      const body = bodyFor(op, resource.bodies ?? {});
      const before = await resource.snapshot();
      expect((await t.request(op.method, path, { body })).status).toBe(401);
      const user = await t.signup();
      const res = await t.request(op.method, path, { token: user.token, body });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("FORBIDDEN");
      expect(await resource.snapshot()).toEqual(before);
    });
  });
}
