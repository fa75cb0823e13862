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

describe("projects: security", () => {
  it.each([
    ["GET", "/api/v1/projects"],
    ["GET", "/api/v1/projects/trash"],
    ["POST", "/api/v1/projects"],
    ["GET", "/api/v1/projects/x"],
    ["PATCH", "/api/v1/projects/x"],
    ["DELETE", "/api/v1/projects/x"],
    ["POST", "/api/v1/projects/x/restore"],
  ])("%s %s without a token answers 401", async (method, path) => {
    const res = await t.request(method, path, { body: method === "GET" || method === "DELETE" ? undefined : { name: "x" } });
    expect(res.status).toBe(401);
  });

  describe("another user's project is a 404 on every id route, and stays untouched", () => {
    it.each([
      ["GET", "", undefined],
      ["PATCH", "", { name: "pwned" }],
      ["DELETE", "", undefined],
      ["POST", "/restore", undefined],
    ])("live project: %s%s", async (method, suffix, body) => {
      const { body: project } = await t.request("POST", "/api/v1/projects", { token: alice.token, body: { name: "alice's" } });
      const res = await t.request(method, `/api/v1/projects/${project.id}${suffix}`, { token: bob.token, body });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("alice's");
      const still = await t.request("GET", `/api/v1/projects/${project.id}`, { token: alice.token });
      expect(still.status).toBe(200);
      expect(still.body).toEqual(project);
    });

    it.each([
      ["DELETE", "?permanent=true"],
      ["POST", "/restore"],
      ["GET", ""],
    ])("trashed project: %s%s", async (method, suffix) => {
      const { body: project } = await t.request("POST", "/api/v1/projects", { token: alice.token, body: { name: "alice's trash" } });
      await t.request("DELETE", `/api/v1/projects/${project.id}`, { token: alice.token });
      const res = await t.request(method, `/api/v1/projects/${project.id}${suffix}`, { token: bob.token });
      expect(res.status).toBe(404);
      const trash = await t.request("GET", "/api/v1/projects/trash?limit=100", { token: alice.token });
      expect(trash.body.items.map((p: { id: string }) => p.id)).toContain(project.id);
    });
  });

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
