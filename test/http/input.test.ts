import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ token } = await t.signup());
});

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString("base64url");
const NUL = "\u0000";
const LONE_SURROGATE = "\ud800";

function expectRefused(res: { status: number; body: any }, path: string) {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe("VALIDATION_FAILED");
  expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
}

describe("text PostgreSQL cannot store is a 400 at the edge, and nothing is written", () => {
  it.each([
    ["a NUL in a note's title", "POST", "/api/v1/notes", { title: `a${NUL}b` }, "title"],
    ["a NUL in a note's content", "POST", "/api/v1/notes", { title: "ok", content: `x${NUL}` }, "content"],
    ["a lone surrogate in a note's content", "POST", "/api/v1/notes", { title: "ok", content: `x${LONE_SURROGATE}y` }, "content"],
    ["a NUL in a project's name", "POST", "/api/v1/projects", { name: `p${NUL}` }, "name"],
    ["a lone surrogate in a project's description", "POST", "/api/v1/projects", { name: "p", description: `\udc00` }, "description"],
  ])("%s", async (_, method, path, body, field) => {
    const before = [await t.db.note.count(), await t.db.project.count()];
    const res = await t.request(method, path, { token, body });
    expectRefused(res, field);
    expect(res.body.error.details.find((d: { path: string }) => d.path === field).code).toBe("unstorable_text");
    expect([await t.db.note.count(), await t.db.project.count()]).toEqual(before);
  });

  it("a NUL in the name of a signup, which needs no login", async () => {
    const before = await t.db.user.count();
    const res = await t.request("POST", "/api/v1/auth/signup", { body: { email: "nul@example.com", password: "password-123", name: `Ada${NUL}` } });
    expectRefused(res, "name");
    expect(await t.db.user.count()).toBe(before);
  });

  it.each([
    ["GET", "/api/v1/notes/%00"],
    ["PATCH", "/api/v1/notes/%00"],
    ["DELETE", "/api/v1/notes/%00"],
    ["POST", "/api/v1/notes/%00/restore"],
    ["GET", "/api/v1/projects/a%00b"],
    ["DELETE", "/api/v1/projects/%00?permanent=true"],
  ])("%s %s: an id PostgreSQL cannot store", async (method, path) => {
    const res = await t.request(method, path, { token, body: method === "PATCH" ? { title: "x" } : undefined });
    expectRefused(res, "id");
  });

  it("an admin route's id too", async () => {
    const admin = await t.signup("ADMIN");
    expectRefused(await t.request("POST", "/api/v1/admin/errors/%00/resolve", { token: admin.token }), "id");
  });

  it.each(["projectId=%00", "projectId=x%00y"])("a query parameter: ?%s", async (query) => {
    expectRefused(await t.request("GET", `/api/v1/notes?${query}`, { token }), "projectId");
  });
});

describe("cursors", () => {
  it.each([
    ["a NUL inside the id", [true, "2026-01-01T00:00:00.000Z", `id${NUL}`]],
    ["a lone surrogate inside the id", [false, "2026-01-01T00:00:00.000Z", LONE_SURROGATE]],
    ["the year 0000, which PostgreSQL cannot store", [true, "0000-01-01T00:00:00.000Z", "id"]],
    ["a date past the year 9999", [true, "+275760-09-13T00:00:00.000Z", "id"]],
    ["a date that is not one", [true, "2026-02-30T00:00:00.000Z", "id"]],
    ["the wrong shape", [true, "2026-01-01T00:00:00.000Z", "id", "extra"]],
    ["a number for the id", ["2026-01-01T00:00:00.000Z", 7]],
    ["nesting", [[true], { a: 1 }, ["id"]]],
  ])("a cursor with %s answers 400 on every list", async (_, key) => {
    const cursor = cursorOf(key);
    for (const path of ["/api/v1/notes", "/api/v1/notes/trash", "/api/v1/projects", "/api/v1/projects/trash"]) {
      expectRefused(await t.request("GET", `${path}?cursor=${cursor}`, { token }), "cursor");
    }
  });

  it("the earliest and latest dates PostgreSQL stores are still fine", async () => {
    for (const date of ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
      const res = await t.request("GET", `/api/v1/projects?cursor=${cursorOf([date, "id"])}`, { token });
      expect(res.status).toBe(200);
    }
  });
});

describe("behind the edge: the one error mapping", () => {
  it("a data exception from PostgreSQL (SQLSTATE class 22) answers 400, never 500, whatever raised it", async () => {
    // Routes validate first, so only a route of the test's own can reach PostgreSQL with such a
    // value; it is added to an app of its own before that app serves anything.
    const own = await createTestApp();
    own.app.get("/test/data-exception/:kind", async (c) => {
      const kind = c.req.param("kind");
      if (kind === "nul") await c.var.db.note.findMany({ where: { title: `a${NUL}` } });
      if (kind === "date") await c.var.db.note.findMany({ where: { createdAt: { lt: new Date("0000-06-01T00:00:00Z") } } });
      if (kind === "division") await c.var.db.$queryRaw`SELECT 1 / ${0}::int AS n`;
      return c.body(null, 204);
    });
    for (const [kind, sqlState] of [
      ["nul", "22021"],
      ["date", "22008"],
      ["division", "22012"],
    ]) {
      const res = await own.request("GET", `/test/data-exception/${kind}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "INVALID_VALUE", details: { sqlState } });
      expect(JSON.stringify(res.body)).not.toMatch(/SELECT|invocation|\.ts:\d+/);
    }
  });
});
