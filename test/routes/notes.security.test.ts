import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, json } from "../support/app.ts";
import { describeOwnedResource, operationsUnder } from "../support/security-matrix.ts";

const t = await createTestApp();
let alice: { token: string; id: string };
let bob: { token: string; id: string };
beforeAll(async () => {
  alice = await t.signup();
  bob = await t.signup();
});

const secret = "alice's secret note";

describeOwnedResource("notes", t, await operationsUnder(t, "/api/v1/notes"), {
  prefix: "/api/v1/notes",
  bodies: { "POST /api/v1/notes": { title: "x" }, "PATCH /api/v1/notes/{id}": { title: "pwned", pinned: true } },
  create: async (app, token) => (await json(app.client.api.v1.notes.$post({ json: { title: secret } }, app.as(token)), 201)).id,
});

describe("notes: security beyond the matrix", () => {
  it("a note cannot be created in, or moved into, another user's project (404, nothing written)", async () => {
    const { body: project } = await t.request("POST", "/api/v1/projects", { token: alice.token, body: { name: "alice's project" } });
    const before = await t.db.note.count();
    const created = await t.request("POST", "/api/v1/notes", { token: bob.token, body: { title: "t", projectId: project.id } });
    expect(created.status).toBe(404);
    expect(JSON.stringify(created.body)).not.toContain("alice's project");
    expect(await t.db.note.count()).toBe(before);

    const { body: own } = await t.request("POST", "/api/v1/notes", { token: bob.token, body: { title: "bob's" } });
    const moved = await t.request("PATCH", `/api/v1/notes/${own.id}`, { token: bob.token, body: { projectId: project.id } });
    expect(moved.status).toBe(404);
    expect((await t.request("GET", `/api/v1/notes/${own.id}`, { token: bob.token })).body.projectId).toBeNull();
  });

  it("filtering by another user's project shows nothing of theirs", async () => {
    const { body: project } = await t.request("POST", "/api/v1/projects", { token: alice.token, body: { name: "filtered" } });
    await t.request("POST", "/api/v1/notes", { token: alice.token, body: { title: secret, projectId: project.id } });
    const res = await t.request("GET", `/api/v1/notes?projectId=${project.id}`, { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it("lists and trash never show another user's notes", async () => {
    const { body: note } = await t.request("POST", "/api/v1/notes", { token: alice.token, body: { title: secret } });
    await t.request("DELETE", `/api/v1/notes/${note.id}`, { token: alice.token });
    await t.request("POST", "/api/v1/notes", { token: alice.token, body: { title: secret } });
    for (const path of ["/api/v1/notes?limit=100", "/api/v1/notes/trash?limit=100"]) {
      const res = await t.request("GET", path, { token: bob.token });
      expect(JSON.stringify(res.body)).not.toContain(secret);
    }
  });

  it("a user id in the body cannot assign a note to someone else", async () => {
    const res = await t.request("POST", "/api/v1/notes", { token: bob.token, body: { title: "sneaky", userId: alice.id } });
    expect(res.status).toBe(201);
    expect((await t.db.note.findUniqueOrThrow({ where: { id: res.body.id } })).userId).toBe(bob.id);
  });
});
