import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ token } = await t.signup());
});

const create = (body: object) => t.request("POST", "/api/v1/projects", { token, body });

describe("projects: happy paths", () => {
  it("creates, reads, updates a project", async () => {
    const created = await create({ name: "  Apollo  ", description: "to the moon" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Apollo", description: "to the moon", status: "ACTIVE" });
    expect(created.body).not.toHaveProperty("deletedAt");
    expect(created.body).not.toHaveProperty("userId");

    const read = await t.request("GET", `/api/v1/projects/${created.body.id}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await t.request("PATCH", `/api/v1/projects/${created.body.id}`, { token, body: { status: "ARCHIVED", description: null } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: created.body.id, name: "Apollo", status: "ARCHIVED", description: null });
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));
  });

  it("soft delete -> trash -> restore -> soft delete -> permanent delete", async () => {
    const { body: project } = await create({ name: "Gemini" });
    expect((await t.request("DELETE", `/api/v1/projects/${project.id}`, { token })).status).toBe(204);

    // Gone from every ordinary read...
    expect((await t.request("GET", `/api/v1/projects/${project.id}`, { token })).status).toBe(404);
    const list = await t.request("GET", "/api/v1/projects?limit=100", { token });
    expect(list.body.items.map((p: { id: string }) => p.id)).not.toContain(project.id);
    expect((await t.request("PATCH", `/api/v1/projects/${project.id}`, { token, body: { name: "x" } })).status).toBe(404);
    expect((await t.request("DELETE", `/api/v1/projects/${project.id}`, { token })).status).toBe(404);

    // ...but in the trash, and still in the database.
    const trash = await t.request("GET", "/api/v1/projects/trash", { token });
    expect(trash.status).toBe(200);
    expect(trash.body.items).toEqual([expect.objectContaining({ id: project.id, name: "Gemini", deletedAt: expect.any(String) })]);
    expect(await t.db.project.count({ where: { id: project.id, deletedAt: { not: null } } })).toBe(1);

    const restored = await t.request("POST", `/api/v1/projects/${project.id}/restore`, { token });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: project.id, name: "Gemini" });
    expect((await t.request("GET", `/api/v1/projects/${project.id}`, { token })).status).toBe(200);
    expect((await t.request("GET", "/api/v1/projects/trash", { token })).body.items).toEqual([]);

    expect((await t.request("DELETE", `/api/v1/projects/${project.id}`, { token })).status).toBe(204);
    expect((await t.request("DELETE", `/api/v1/projects/${project.id}?permanent=true`, { token })).status).toBe(204);
    expect(await t.db.project.count({ where: { id: project.id, deletedAt: { not: null } } })).toBe(0);
    expect((await t.request("POST", `/api/v1/projects/${project.id}/restore`, { token })).status).toBe(404);
  });

  it("paginates newest first with a cursor, without skipping or repeating", async () => {
    const { token: own } = await t.signup();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await t.request("POST", "/api/v1/projects", { token: own, body: { name: `p${i}` } })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await t.request(
        "GET",
        `/api/v1/projects?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        { token: own },
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((p) => p.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });
});
