import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";

/**
 * An authenticated read costs at most two SQL statements: the session lookup (joined to its
 * user) and the query itself, relations included. Counted from Prisma's own query log.
 */
let t: Awaited<ReturnType<typeof createTestApp>>;
let token: string;
let noteId: string;
let projectId: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ token } = await t.signup());
  projectId = (await t.request("POST", "/api/v1/projects", { token, body: { name: "budget" } })).body.id;
  for (let i = 0; i < 30; i++) {
    const res = await t.request("POST", "/api/v1/notes", { token, body: { title: `n${i}`, pinned: i % 4 === 0, projectId: i % 2 ? projectId : null } });
    expect(res.status).toBe(201);
    noteId = res.body.id;
  }
  await t.request("DELETE", `/api/v1/notes/${noteId}`, { token });
  await t.request("POST", "/api/v1/projects", { token, body: { name: "other" } });
});

describe("statement budget for authenticated reads", () => {
  it.each([
    "/api/v1/auth/me",
    "/api/v1/notes",
    "/api/v1/notes?limit=100",
    "/api/v1/notes?pinned=true",
    "/api/v1/notes/trash",
    "/api/v1/projects",
    "/api/v1/projects/trash",
  ])("GET %s", async (path) => {
    const { result, count, sql } = await t.countStatements(() => t.request("GET", path, { token }));
    expect(result.status).toBe(200);
    expect(count, sql.join("\n")).toBeLessThanOrEqual(2);
  });

  it("GET a note by id, with its project name", async () => {
    const { body } = await t.request("GET", "/api/v1/notes?limit=1", { token });
    const { result, count } = await t.countStatements(() => t.request("GET", `/api/v1/notes/${body.items[0].id}`, { token }));
    expect(result.status).toBe(200);
    expect(count).toBeLessThanOrEqual(2);
  });

  it("GET a project by id", async () => {
    const { result, count } = await t.countStatements(() => t.request("GET", `/api/v1/projects/${projectId}`, { token }));
    expect(result.status).toBe(200);
    expect(count).toBeLessThanOrEqual(2);
  });

  it("the second page costs the same as the first", async () => {
    const first = await t.request("GET", "/api/v1/notes?limit=5", { token });
    const { result, count } = await t.countStatements(() => t.request("GET", `/api/v1/notes?limit=5&cursor=${first.body.nextCursor}`, { token }));
    expect(result.body.items).toHaveLength(5);
    expect(count).toBeLessThanOrEqual(2);
  });

  it("the notes list selects only the columns it returns (no deletedAt, no userId)", async () => {
    const { sql } = await t.countStatements(() => t.request("GET", "/api/v1/notes", { token }));
    const listQuery = sql.find((s) => s.includes('FROM "public"."Note"')) ?? "";
    expect(listQuery).toContain('"project"');
    expect(listQuery).not.toMatch(/"t0"\."(deletedAt|userId)"(?! =| IS)/);
  });
});

/**
 * A write costs its own statements plus one: the maintenance switch is read with the session, in
 * the session lookup's statement. Creating a note in a project reads the project first (it must be
 * the caller's and live); nothing opens a transaction for a single-row write.
 */
describe("statement budget for writes", () => {
  let doomed: string;
  let inProject: string;
  beforeAll(async () => {
    doomed = (await t.request("POST", "/api/v1/notes", { token, body: { title: "doomed" } })).body.id;
    inProject = (await t.request("POST", "/api/v1/notes", { token, body: { title: "kept in a project", projectId } })).body.id;
  });

  it.each([
    ["POST a note without a project", 2, () => t.request("POST", "/api/v1/notes", { token, body: { title: "budget" } }), 201],
    ["POST a note in a project", 3, () => t.request("POST", "/api/v1/notes", { token, body: { title: "budget", projectId } }), 201],
    ["PATCH a note without a project", 2, () => t.request("PATCH", `/api/v1/notes/${doomed}`, { token, body: { pinned: true } }), 200],
    ["PATCH a note, keeping its project", 3, () => t.request("PATCH", `/api/v1/notes/${inProject}`, { token, body: { title: "kept" } }), 200],
    ["PATCH a note into a project", 3, () => t.request("PATCH", `/api/v1/notes/${doomed}`, { token, body: { projectId } }), 200],
    ["PATCH a note out of its project", 2, () => t.request("PATCH", `/api/v1/notes/${inProject}`, { token, body: { projectId: null } }), 200],
    ["DELETE a note (to the trash)", 2, () => t.request("DELETE", `/api/v1/notes/${doomed}`, { token }), 204],
    ["PATCH a project", 2, () => t.request("PATCH", `/api/v1/projects/${projectId}`, { token, body: { name: "renamed" } }), 200],
    ["POST a project", 2, () => t.request("POST", "/api/v1/projects", { token, body: { name: "another" } }), 201],
  ] as const)("%s: at most %i", async (_label, budget, send, status) => {
    const { result, count, sql } = await t.countStatements(send);
    expect(result.status).toBe(status);
    expect(count, sql.join("\n")).toBeLessThanOrEqual(budget);
    expect(sql.filter((s) => /^(BEGIN|COMMIT)/i.test(s.trim()))).toEqual([]);
  });

  it("a note created in a project answers its project's name, as a read of it does", async () => {
    const created = await t.request("POST", "/api/v1/notes", { token, body: { title: "named", projectId } });
    const read = await t.request("GET", `/api/v1/notes/${created.body.id}`, { token });
    expect(created.body.project).toEqual({ id: projectId, name: expect.any(String) });
    expect(created.body).toEqual(read.body);
    expect(Object.keys(created.body)).toEqual(Object.keys(read.body));
  });

  it.each([
    ["a change of title keeps the project", true, () => ({ title: "retitled" }), true],
    ["a move into the project shows it", false, () => ({ projectId }), true],
    ["a move out of it shows none", true, () => ({ projectId: null }), false],
  ] as const)("PATCH answers what a read of the note answers: %s", async (_label, startsInProject, body, shown) => {
    const id = (await t.request("POST", "/api/v1/notes", { token, body: { title: "patched", projectId: startsInProject ? projectId : null } })).body.id;
    const patched = await t.request("PATCH", `/api/v1/notes/${id}`, { token, body: body() });
    const read = await t.request("GET", `/api/v1/notes/${id}`, { token });
    expect(patched.status).toBe(200);
    expect(patched.body.project).toEqual(shown ? { id: projectId, name: expect.any(String) } : null);
    expect(patched.body).toEqual(read.body);
    expect(Object.keys(patched.body)).toEqual(Object.keys(read.body));
  });
});

