import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let alice: { token: string; id: string };
let bob: { token: string; id: string };
beforeAll(async () => {
  t = await createTestApp();
  alice = await t.signup();
  bob = await t.signup();
});

const secret = "alice's secret note";

describe("notes: security", () => {
  it.each([
    ["GET", "/api/v1/notes"],
    ["GET", "/api/v1/notes/trash"],
    ["POST", "/api/v1/notes"],
    ["GET", "/api/v1/notes/x"],
    ["PATCH", "/api/v1/notes/x"],
    ["DELETE", "/api/v1/notes/x"],
    ["POST", "/api/v1/notes/x/restore"],
  ])("%s %s without a token answers 401", async (method, path) => {
    const res = await t.request(method, path, { body: method === "GET" || method === "DELETE" ? undefined : { title: "x" } });
    expect(res.status).toBe(401);
  });

  describe("another user's note is a 404 on every id route, and stays untouched", () => {
    it.each([
      ["GET", "", undefined],
      ["PATCH", "", { title: "pwned", pinned: true }],
      ["DELETE", "", undefined],
      ["DELETE", "?permanent=true", undefined],
      ["POST", "/restore", undefined],
    ])("live note: %s%s", async (method, suffix, body) => {
      const { body: note } = await t.request("POST", "/api/v1/notes", { token: alice.token, body: { title: secret } });
      const res = await t.request(method, `/api/v1/notes/${note.id}${suffix}`, { token: bob.token, body });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain(secret);
      expect((await t.request("GET", `/api/v1/notes/${note.id}`, { token: alice.token })).body).toEqual(note);
    });

    it.each([
      ["GET", ""],
      ["DELETE", "?permanent=true"],
      ["POST", "/restore"],
    ])("trashed note: %s%s", async (method, suffix) => {
      const { body: note } = await t.request("POST", "/api/v1/notes", { token: alice.token, body: { title: secret } });
      await t.request("DELETE", `/api/v1/notes/${note.id}`, { token: alice.token });
      const res = await t.request(method, `/api/v1/notes/${note.id}${suffix}`, { token: bob.token });
      expect(res.status).toBe(404);
      const trash = await t.request("GET", "/api/v1/notes/trash?limit=100", { token: alice.token });
      expect(trash.body.items.map((n: { id: string }) => n.id)).toContain(note.id);
    });
  });

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
});
