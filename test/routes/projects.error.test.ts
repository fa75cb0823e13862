import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ token } = await t.signup());
});

describe("projects: errors", () => {
  it.each([
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: "   " }, "name"],
    [{ name: "x".repeat(201) }, "name"],
    [{ name: "ok", status: "DONE" }, "status"],
    [{ name: 42 }, "name"],
  ])("POST %j answers 400 naming %s and creates nothing", async (body, field) => {
    const before = await t.db.project.count();
    const res = await t.request("POST", "/api/v1/projects", { token, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await t.db.project.count()).toBe(before);
  });

  it("PATCH with an empty body answers 400 and changes nothing", async () => {
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "keep" } });
    const res = await t.request("PATCH", `/api/v1/projects/${project.id}`, { token, body: {} });
    expect(res.status).toBe(400);
    expect((await t.request("GET", `/api/v1/projects/${project.id}`, { token })).body).toEqual(project);
  });

  it("PATCH with an invalid field answers 400 and changes nothing", async () => {
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "keep too" } });
    const res = await t.request("PATCH", `/api/v1/projects/${project.id}`, { token, body: { name: "new", status: "nope" } });
    expect(res.status).toBe(400);
    expect((await t.request("GET", `/api/v1/projects/${project.id}`, { token })).body.name).toBe("keep too");
  });

  it.each([
    ["GET", ""],
    ["PATCH", ""],
    ["DELETE", ""],
    ["DELETE", "?permanent=true"],
    ["POST", "/restore"],
  ])("%s on a missing id%s answers 404", async (method, suffix) => {
    const path = suffix.startsWith("/") ? `/api/v1/projects/missing${suffix}` : `/api/v1/projects/missing${suffix}`;
    const res = await t.request(method, path, { token, body: method === "PATCH" ? { name: "x" } : undefined });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it("permanent delete of a live project answers 409 and keeps it", async () => {
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "live" } });
    const res = await t.request("DELETE", `/api/v1/projects/${project.id}?permanent=true`, { token });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("NOT_IN_TRASH");
    expect((await t.request("GET", `/api/v1/projects/${project.id}`, { token })).status).toBe(200);
  });

  it("restoring a live project answers 404", async () => {
    const { body: project } = await t.request("POST", "/api/v1/projects", { token, body: { name: "not trashed" } });
    expect((await t.request("POST", `/api/v1/projects/${project.id}/restore`, { token })).status).toBe(404);
  });

  it.each(["limit=0", "limit=101", "limit=abc", "cursor=garbage", "cursor=WzEsMl0"])("list with %s answers 400", async (query) => {
    const res = await t.request("GET", `/api/v1/projects?${query}`, { token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });
});
