import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, json, expectStatus } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ token } = await t.signup());
});


const projects = () => t.client.api.v1.projects;
const create = (body: { name: string; description?: string }, as = token) => projects().$post({ json: body }, t.as(as));

describe("projects: happy paths", () => {
  it("creates, reads, updates a project", async () => {
    const created = await json(create({ name: "  Apollo  ", description: "to the moon" }), 201);
    expect(created).toMatchObject({ name: "Apollo", description: "to the moon", status: "ACTIVE" });
    expect(created).not.toHaveProperty("deletedAt");
    expect(created).not.toHaveProperty("userId");

    const param = { id: created.id };
    const read = await json(projects()[":id"].$get({ param }, t.as(token)), 200);
    expect(read).toEqual(created);

    const updated = await json(projects()[":id"].$patch({ param, json: { status: "ARCHIVED", description: null } }, t.as(token)), 200);
    expect(updated).toMatchObject({ id: created.id, name: "Apollo", status: "ARCHIVED", description: null });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
  });

  it("soft delete -> trash -> restore -> soft delete -> permanent delete", async () => {
    const project = await json(create({ name: "Gemini" }), 201);
    const param = { id: project.id };
    const softDelete = () => projects()[":id"].$delete({ param, query: {} }, t.as(token));
    expect((await softDelete()).status).toBe(204);

    // Gone from every ordinary read...
    expect((await projects()[":id"].$get({ param }, t.as(token))).status).toBe(404);
    const list = await json(projects().$get({ query: { limit: "100" } }, t.as(token)), 200);
    expect(list.items.map((p) => p.id)).not.toContain(project.id);
    expect((await projects()[":id"].$patch({ param, json: { name: "x" } }, t.as(token))).status).toBe(404);
    expect((await softDelete()).status).toBe(404);

    // ...but in the trash, and still in the database.
    const trash = await json(projects().trash.$get({ query: {} }, t.as(token)), 200);
    expect(trash.items).toEqual([expect.objectContaining({ id: project.id, name: "Gemini", deletedAt: expect.any(String) })]);
    expect(await t.db.project.count({ where: { id: project.id, deletedAt: { not: null } } })).toBe(1);

    const restored = await json(projects()[":id"].restore.$post({ param }, t.as(token)), 200);
    expect(restored).toMatchObject({ id: project.id, name: "Gemini" });
    expect((await projects()[":id"].$get({ param }, t.as(token))).status).toBe(200);
    expect((await json(projects().trash.$get({ query: {} }, t.as(token)), 200)).items).toEqual([]);

    expect((await softDelete()).status).toBe(204);
    expect((await projects()[":id"].$delete({ param, query: { permanent: "true" } }, t.as(token))).status).toBe(204);
    expect(await t.db.project.count({ where: { id: project.id, deletedAt: { not: null } } })).toBe(0);
    expect((await projects()[":id"].restore.$post({ param }, t.as(token))).status).toBe(404);
  });

  it("paginates newest first with a cursor, without skipping or repeating", async () => {
    const { token: own } = await t.signup();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await json(create({ name: `p${i}` }, own), 201)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await projects().$get({ query: { limit: "3", cursor: cursor ?? undefined } }, t.as(own));
      expectStatus(res, 200);
      const page: { items: { id: string }[]; nextCursor: string | null } = await res.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });
});
