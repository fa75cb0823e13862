import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ token } = await t.signup());
});

describe("notes: errors", () => {
  it.each([
    [{}, "title"],
    [{ title: "" }, "title"],
    [{ title: "ok", pinned: "yes" }, "pinned"],
    [{ title: "ok", content: 5 }, "content"],
    [{ title: "ok", projectId: "" }, "projectId"],
    [{ title: "x".repeat(501) }, "title"],
  ])("POST %j answers 400 naming %s and creates nothing", async (body, field) => {
    const before = await t.db.note.count();
    const res = await t.request("POST", "/api/v1/notes", { token, body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await t.db.note.count()).toBe(before);
  });

  it("POST with a project that does not exist answers 404 and creates nothing", async () => {
    const before = await t.db.note.count();
    const res = await t.request("POST", "/api/v1/notes", { token, body: { title: "orphan", projectId: "nope" } });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/project/i);
    expect(await t.db.note.count()).toBe(before);
  });

  it("POST into a project in the trash answers 404", async () => {
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "trashed" } });
    await t.request("DELETE", `/api/v1/projects/${project.id}`, { token });
    const res = await t.request("POST", "/api/v1/notes", { token, body: { title: "t", projectId: project.id } });
    expect(res.status).toBe(404);
  });

  it("PATCH moving a note to a missing project answers 404 and changes nothing", async () => {
    const { body: note } = await t.request("POST", "/api/v1/notes", { token, body: { title: "stay", pinned: true } });
    const res = await t.request("PATCH", `/api/v1/notes/${note.id}`, { token, body: { title: "moved", projectId: "nope" } });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/project/i);
    expect((await t.request("GET", `/api/v1/notes/${note.id}`, { token })).body).toEqual(note);
  });

  it("PATCH with an empty body answers 400", async () => {
    const { body: note } = await t.request("POST", "/api/v1/notes", { token, body: { title: "t" } });
    expect((await t.request("PATCH", `/api/v1/notes/${note.id}`, { token, body: {} })).status).toBe(400);
  });

  it.each([
    ["GET", ""],
    ["PATCH", ""],
    ["DELETE", ""],
    ["DELETE", "?permanent=true"],
    ["POST", "/restore"],
  ])("%s on a missing id%s answers 404", async (method, suffix) => {
    const res = await t.request(method, `/api/v1/notes/missing${suffix}`, { token, body: method === "PATCH" ? { title: "x" } : undefined });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it("permanent delete of a live note answers 409 and keeps it", async () => {
    const { body: note } = await t.request("POST", "/api/v1/notes", { token, body: { title: "live" } });
    const res = await t.request("DELETE", `/api/v1/notes/${note.id}?permanent=true`, { token });
    expect(res.status).toBe(409);
    expect((await t.request("GET", `/api/v1/notes/${note.id}`, { token })).status).toBe(200);
  });

  it.each(["pinned=maybe", "limit=1000", "cursor=%%%", "permanent=yes"])("GET list with %s answers 400", async (query) => {
    const path = query.startsWith("permanent") ? `/api/v1/notes/x?${query}` : `/api/v1/notes?${query}`;
    const res = await t.request(query.startsWith("permanent") ? "DELETE" : "GET", path, { token });
    expect(res.status).toBe(400);
  });

  it("a cursor from the projects list is refused by the notes list", async () => {
    for (let i = 0; i < 2; i++) await t.request("POST", "/api/v1/projects", { token, body: { name: `p${i}` } });
    const { body } = await t.request("GET", "/api/v1/projects?limit=1", { token });
    const res = await t.request("GET", `/api/v1/notes?cursor=${body.nextCursor}`, { token });
    expect(res.status).toBe(400);
  });
});
