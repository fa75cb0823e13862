import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, json } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});


type Note = { id: string; title: string; pinned: boolean; projectId: string | null; project: { id: string; name: string } | null };

async function listAll(token: string, filter: { pinned?: "true" | "false"; projectId?: string } = {}, limit = 4): Promise<Note[]> {
  const out: Note[] = [];
  let cursor: string | null = null;
  do {
    const query = { limit: String(limit), ...filter, cursor: cursor ?? undefined };
    const page: { items: Note[]; nextCursor: string | null } = await json(t.client.api.v1.notes.$get({ query }, t.as(token)), 200);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const notes = () => t.client.api.v1.notes;
const createProject = (token: string, name: string) => json(t.client.api.v1.projects.$post({ json: { name } }, t.as(token)), 201);

describe("notes: happy paths", () => {
  it("creates a note in a project; reads bring the project's name along", async () => {
    const { token } = await t.signup();
    const project = await createProject(token, "Research");
    const created = await json(notes().$post({ json: { title: "Idea", content: "body", projectId: project.id } }, t.as(token)), 201);
    expect(created).toMatchObject({ title: "Idea", content: "body", pinned: false, projectId: project.id, project: { id: project.id, name: "Research" } });
    expect(created).not.toHaveProperty("deletedAt");
    expect(created).not.toHaveProperty("userId");
    const read = await notes()[":id"].$get({ param: { id: created.id } }, t.as(token));
    expect(await read.json()).toEqual(created);
  });

  it("creates a note with projectId null as a note without a project", async () => {
    const { token } = await t.signup();
    const res = await json(notes().$post({ json: { title: "Loose", projectId: null } }, t.as(token)), 201);
    expect(res).toMatchObject({ title: "Loose", projectId: null, project: null });
  });

  it("creates a note with only a title", async () => {
    const { token } = await t.signup();
    const res = await json(notes().$post({ json: { title: "Bare" } }, t.as(token)), 201);
    expect(res).toMatchObject({ title: "Bare", content: "", pinned: false, projectId: null, project: null });
  });

  it("lists pinned first, then newest, across pages, with filters", async () => {
    const { token } = await t.signup();
    const project = await createProject(token, "P");
    const made: Note[] = [];
    for (let i = 0; i < 9; i++) {
      const body = { title: `n${i}`, pinned: i % 3 === 0, ...(i % 2 === 0 && { projectId: project.id }) };
      made.push(await json(notes().$post({ json: body }, t.as(token)), 201));
    }
    const expected = [...made.filter((n) => n.pinned).reverse(), ...made.filter((n) => !n.pinned).reverse()].map((n) => n.title);
    expect((await listAll(token)).map((n) => n.title)).toEqual(expected);
    expect((await listAll(token, {}, 1)).map((n) => n.title)).toEqual(expected);

    const pinned = await listAll(token, { pinned: "true" });
    expect(pinned.map((n) => n.title)).toEqual(["n6", "n3", "n0"]);
    const unpinned = await listAll(token, { pinned: "false" }, 2);
    expect(unpinned.every((n) => !n.pinned)).toBe(true);
    expect(unpinned).toHaveLength(6);

    const inProject = await listAll(token, { projectId: project.id });
    expect(inProject.map((n) => n.title)).toEqual(["n6", "n0", "n8", "n4", "n2"]);
    expect(inProject.every((n) => n.project?.name === "P")).toBe(true);
  });

  it("updates title, content and pinned, and moves a note between projects", async () => {
    const { token } = await t.signup();
    const a = await createProject(token, "A");
    const note = await json(notes().$post({ json: { title: "t", projectId: a.id } }, t.as(token)), 201);
    const patch = (body: { title?: string; content?: string; pinned?: boolean; projectId?: string | null }) =>
      notes()[":id"].$patch({ param: { id: note.id }, json: body }, t.as(token));

    const edited = await json(patch({ title: "t2", content: "c2", pinned: true }), 200);
    expect(edited).toMatchObject({ title: "t2", content: "c2", pinned: true, project: { name: "A" } });

    const b = await createProject(token, "B");
    const moved = await (await patch({ projectId: b.id })).json();
    expect(moved).toMatchObject({ projectId: b.id, project: { id: b.id, name: "B" }, title: "t2" });

    const detached = await (await patch({ projectId: null })).json();
    expect(detached).toMatchObject({ projectId: null, project: null });
  });

  it("soft delete -> trash -> restore -> soft delete -> permanent delete", async () => {
    const { token } = await t.signup();
    const note = await json(notes().$post({ json: { title: "ephemeral" } }, t.as(token)), 201);
    const param = { id: note.id };
    expect((await notes()[":id"].$delete({ param, query: {} }, t.as(token))).status).toBe(204);
    expect((await notes()[":id"].$get({ param }, t.as(token))).status).toBe(404);
    expect(await listAll(token)).toEqual([]);
    expect((await notes()[":id"].$patch({ param, json: { title: "x" } }, t.as(token))).status).toBe(404);

    const trash = await json(notes().trash.$get({ query: {} }, t.as(token)), 200);
    expect(trash.items).toEqual([expect.objectContaining({ id: note.id, title: "ephemeral", deletedAt: expect.any(String) })]);

    const restored = await json(notes()[":id"].restore.$post({ param }, t.as(token)), 200);
    expect(restored).toMatchObject({ id: note.id, title: "ephemeral" });
    expect((await listAll(token)).map((n) => n.id)).toEqual([note.id]);

    await notes()[":id"].$delete({ param, query: {} }, t.as(token));
    expect((await notes()[":id"].$delete({ param, query: { permanent: "true" } }, t.as(token))).status).toBe(204);
    expect((await json(notes().trash.$get({ query: {} }, t.as(token)), 200)).items).toEqual([]);
    expect(await t.db.note.count({ where: { id: note.id, deletedAt: { not: null } } })).toBe(0);
  });

  it("a note whose project is in the trash shows no project; restoring the project brings it back", async () => {
    const { token } = await t.signup();
    const project = await createProject(token, "Hidden");
    const note = await json(notes().$post({ json: { title: "child", projectId: project.id } }, t.as(token)), 201);
    await t.client.api.v1.projects[":id"].$delete({ param: { id: project.id }, query: {} }, t.as(token));

    const read = await json(notes()[":id"].$get({ param: { id: note.id } }, t.as(token)), 200);
    expect(read.project).toBeNull();
    expect(JSON.stringify(await listAll(token))).not.toContain("Hidden");

    await t.client.api.v1.projects[":id"].restore.$post({ param: { id: project.id } }, t.as(token));
    expect((await json(notes()[":id"].$get({ param: { id: note.id } }, t.as(token)), 200)).project).toEqual({ id: project.id, name: "Hidden" });
  });

  it("permanently deleting a project keeps its notes, detached", async () => {
    const { token } = await t.signup();
    const project = await createProject(token, "Doomed");
    const note = await json(notes().$post({ json: { title: "survivor", projectId: project.id } }, t.as(token)), 201);
    await t.client.api.v1.projects[":id"].$delete({ param: { id: project.id }, query: {} }, t.as(token));
    await t.client.api.v1.projects[":id"].$delete({ param: { id: project.id }, query: { permanent: "true" } }, t.as(token));
    const read = await notes()[":id"].$get({ param: { id: note.id } }, t.as(token));
    expect(await read.json()).toMatchObject({ title: "survivor", projectId: null, project: null });
  });
});
