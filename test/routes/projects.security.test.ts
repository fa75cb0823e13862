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

describeOwnedResource("projects", t, await operationsUnder(t, "/api/v1/projects"), {
  prefix: "/api/v1/projects",
  bodies: { "POST /api/v1/projects": { name: "x" }, "PATCH /api/v1/projects/{id}": { name: "pwned" } },
  create: async (app, token) => (await json(app.client.api.v1.projects.$post({ json: { name: "alice's" } }, app.as(token)), 201)).id,
});

describe("projects: security beyond the matrix", () => {
  it("lists and trash show only the caller's projects", async () => {
    const { body: mine } = await t.request("POST", "/api/v1/projects", { token: bob.token, body: { name: "bob's" } });
    const { body: theirs } = await t.request("POST", "/api/v1/projects", { token: alice.token, body: { name: "alice's other" } });
    await t.request("DELETE", `/api/v1/projects/${theirs.id}`, { token: alice.token });
    const list = await t.request("GET", "/api/v1/projects?limit=100", { token: bob.token });
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([mine.id]);
    const trash = await t.request("GET", "/api/v1/projects/trash?limit=100", { token: bob.token });
    expect(trash.body.items).toEqual([]);
  });

  it("a user id in the body cannot assign a project to someone else", async () => {
    const res = await t.request("POST", "/api/v1/projects", { token: bob.token, body: { name: "sneaky", userId: alice.id } });
    expect(res.status).toBe(201);
    expect((await t.db.project.findUniqueOrThrow({ where: { id: res.body.id } })).userId).toBe(bob.id);
  });
});
