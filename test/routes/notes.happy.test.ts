import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});

type Note = { id: string; title: string; pinned: boolean; projectId: string | null; project: { id: string; name: string } | null };

async function listAll(token: string, query = "", limit = 4): Promise<Note[]> {
  const out: Note[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: Note[]; nextCursor: string | null } } = await t.request(
      "GET",
      `/api/v1/notes?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ""}`,
      { token },
    );
    expect(res.status).toBe(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

describe("notes: happy paths", () => {
  it("creates a note in a project; reads bring the project's name along", async () => {
    const { token } = await t.signup();
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "Research" } });
    const created = await t.request("POST", "/api/v1/notes", { token, body: { title: "Idea", content: "body", projectId: project.id } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: "Idea", content: "body", pinned: false, projectId: project.id, project: { id: project.id, name: "Research" } });
    expect(created.body).not.toHaveProperty("deletedAt");
    expect(created.body).not.toHaveProperty("userId");
    const read = await t.request("GET", `/api/v1/notes/${created.body.id}`, { token });
    expect(read.body).toEqual(created.body);
  });

  it("creates a note with projectId null as a note without a project", async () => {
    const { token } = await t.signup();
    const res = await t.request("POST", "/api/v1/notes", { token, body: { title: "Loose", projectId: null } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: "Loose", projectId: null, project: null });
  });

  it("creates a note with only a title", async () => {
    const { token } = await t.signup();
    const res = await t.request("POST", "/api/v1/notes", { token, body: { title: "Bare" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: "Bare", content: "", pinned: false, projectId: null, project: null });
  });

  it("lists pinned first, then newest, across pages, with filters", async () => {
    const { token } = await t.signup();
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "P" } });
    const made: Note[] = [];
    for (let i = 0; i < 9; i++) {
      const body = { title: `n${i}`, pinned: i % 3 === 0, ...(i % 2 === 0 && { projectId: project.id }) };
      made.push((await t.request("POST", "/api/v1/notes", { token, body })).body);
    }
    const expected = [...made.filter((n) => n.pinned).reverse(), ...made.filter((n) => !n.pinned).reverse()].map((n) => n.title);
    expect((await listAll(token)).map((n) => n.title)).toEqual(expected);
    expect((await listAll(token, "", 1)).map((n) => n.title)).toEqual(expected);

    const pinned = await listAll(token, "&pinned=true");
    expect(pinned.map((n) => n.title)).toEqual(["n6", "n3", "n0"]);
    const unpinned = await listAll(token, "&pinned=false", 2);
    expect(unpinned.every((n) => !n.pinned)).toBe(true);
    expect(unpinned).toHaveLength(6);

    const inProject = await listAll(token, `&projectId=${project.id}`);
    expect(inProject.map((n) => n.title)).toEqual(["n6", "n0", "n8", "n4", "n2"]);
    expect(inProject.every((n) => n.project?.name === "P")).toBe(true);
  });

  it("updates title, content and pinned, and moves a note between projects", async () => {
    const { token } = await t.signup();
    const { body: a } = await t.request("POST", "/api/v1/projects", { token, body: { name: "A" } });
    const { body: note } = await t.request("POST", "/api/v1/notes", { token, body: { title: "t", projectId: a.id } });

    const edited = await t.request("PATCH", `/api/v1/notes/${note.id}`, { token, body: { title: "t2", content: "c2", pinned: true } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ title: "t2", content: "c2", pinned: true, project: { name: "A" } });

    const { body: b } = await t.request("POST", "/api/v1/projects", { token, body: { name: "B" } });
    const moved = await t.request("PATCH", `/api/v1/notes/${note.id}`, { token, body: { projectId: b.id } });
    expect(moved.body).toMatchObject({ projectId: b.id, project: { id: b.id, name: "B" }, title: "t2" });

    const detached = await t.request("PATCH", `/api/v1/notes/${note.id}`, { token, body: { projectId: null } });
    expect(detached.body).toMatchObject({ projectId: null, project: null });
  });

  it("soft delete -> trash -> restore -> soft delete -> permanent delete", async () => {
    const { token } = await t.signup();
    const { body: note } = await t.request("POST", "/api/v1/notes", { token, body: { title: "ephemeral" } });
    expect((await t.request("DELETE", `/api/v1/notes/${note.id}`, { token })).status).toBe(204);
    expect((await t.request("GET", `/api/v1/notes/${note.id}`, { token })).status).toBe(404);
    expect(await listAll(token)).toEqual([]);
    expect((await t.request("PATCH", `/api/v1/notes/${note.id}`, { token, body: { title: "x" } })).status).toBe(404);

    const trash = await t.request("GET", "/api/v1/notes/trash", { token });
    expect(trash.body.items).toEqual([expect.objectContaining({ id: note.id, title: "ephemeral", deletedAt: expect.any(String) })]);

    const restored = await t.request("POST", `/api/v1/notes/${note.id}/restore`, { token });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: note.id, title: "ephemeral" });
    expect((await listAll(token)).map((n) => n.id)).toEqual([note.id]);

    await t.request("DELETE", `/api/v1/notes/${note.id}`, { token });
    expect((await t.request("DELETE", `/api/v1/notes/${note.id}?permanent=true`, { token })).status).toBe(204);
    expect((await t.request("GET", "/api/v1/notes/trash", { token })).body.items).toEqual([]);
    expect(await t.db.note.count({ where: { id: note.id, deletedAt: { not: null } } })).toBe(0);
  });

  it("a note whose project is in the trash shows no project; restoring the project brings it back", async () => {
    const { token } = await t.signup();
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "Hidden" } });
    const { body: note } = await t.request("POST", "/api/v1/notes", { token, body: { title: "child", projectId: project.id } });
    await t.request("DELETE", `/api/v1/projects/${project.id}`, { token });

    const read = await t.request("GET", `/api/v1/notes/${note.id}`, { token });
    expect(read.status).toBe(200);
    expect(read.body.project).toBeNull();
    expect(JSON.stringify(await listAll(token))).not.toContain("Hidden");

    await t.request("POST", `/api/v1/projects/${project.id}/restore`, { token });
    expect((await t.request("GET", `/api/v1/notes/${note.id}`, { token })).body.project).toEqual({ id: project.id, name: "Hidden" });
  });

  it("permanently deleting a project keeps its notes, detached", async () => {
    const { token } = await t.signup();
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "Doomed" } });
    const { body: note } = await t.request("POST", "/api/v1/notes", { token, body: { title: "survivor", projectId: project.id } });
    await t.request("DELETE", `/api/v1/projects/${project.id}`, { token });
    await t.request("DELETE", `/api/v1/projects/${project.id}?permanent=true`, { token });
    const read = await t.request("GET", `/api/v1/notes/${note.id}`, { token });
    expect(read.body).toMatchObject({ title: "survivor", projectId: null, project: null });
  });
});
