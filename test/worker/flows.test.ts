import { describe, expect, it, vi } from "vitest";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { startWorker, WAYS_IN } from "./workerd.ts";

/** The API's main flows in workerd, once per way the Worker reaches PostgreSQL. */
describe.each(WAYS_IN)("the Worker over $name", (way) => {
  it("signs up, logs in, keeps projects and notes (soft delete and restore), lists notes with their project's name, logs out", async () => {
    const { url } = await createTestDatabase();
    const { worker, used } = await way.connect(url);
    const call = startWorker(worker);

    expect((await call("/health/ready")).body).toMatchObject({ status: "ok", database: "up" });

    const signup = await call("/api/v1/auth/signup", { method: "POST", body: { email: "edge@example.com", password: "password-123", name: "Edge" } });
    expect(signup.status).toBe(201);
    const login = await call("/api/v1/auth/login", { method: "POST", body: { email: "edge@example.com", password: "password-123" } });
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    expect(token).not.toBe(signup.body.token);
    expect((await call("/api/v1/auth/me", { token })).body).toMatchObject({ user: { email: "edge@example.com", name: "Edge" } });

    const project = (await call("/api/v1/projects", { method: "POST", token, body: { name: "On the edge" } })).body;
    const renamed = await call(`/api/v1/projects/${project.id}`, { method: "PATCH", token, body: { name: "At the edge", status: "ARCHIVED" } });
    expect(renamed).toMatchObject({ status: 200, body: { id: project.id, name: "At the edge", status: "ARCHIVED" } });
    expect((await call("/api/v1/projects", { token })).body.items.map((p: { name: string }) => p.name)).toEqual(["At the edge"]);

    const note = await call("/api/v1/notes", { method: "POST", token, body: { title: "from workerd", projectId: project.id } });
    expect(note).toMatchObject({ status: 201, body: { title: "from workerd", project: { id: project.id, name: "At the edge" } } });
    const loose = await call("/api/v1/notes", { method: "POST", token, body: { title: "loose", pinned: true } });
    expect(loose.status).toBe(201);
    const edited = await call(`/api/v1/notes/${note.body.id}`, { method: "PATCH", token, body: { content: "edited" } });
    expect(edited.body).toMatchObject({ content: "edited", project: { name: "At the edge" } });
    expect((await call(`/api/v1/notes/${note.body.id}`, { token })).body).toEqual(edited.body);

    const titles = async () => (await call("/api/v1/notes", { token })).body.items.map((n: { title: string; project: { name: string } | null }) => [n.title, n.project?.name ?? null]);
    expect(await titles()).toEqual([["loose", null], ["from workerd", "At the edge"]]);

    // Soft delete: the note leaves the list for the trash, and comes back.
    expect((await call(`/api/v1/notes/${note.body.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await call(`/api/v1/notes/${note.body.id}`, { token })).status).toBe(404);
    expect((await call("/api/v1/notes/trash", { token })).body.items).toEqual([expect.objectContaining({ id: note.body.id, deletedAt: expect.any(String) })]);
    expect((await call(`/api/v1/notes/${note.body.id}/restore`, { method: "POST", token })).status).toBe(200);
    expect(await titles()).toEqual([["loose", null], ["from workerd", "At the edge"]]);

    // A project in the trash takes its name off its notes until it is restored.
    expect((await call(`/api/v1/projects/${project.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await call("/api/v1/projects/trash", { token })).body.items.map((p: { id: string }) => p.id)).toEqual([project.id]);
    expect(await titles()).toEqual([["loose", null], ["from workerd", null]]);
    expect((await call(`/api/v1/projects/${project.id}/restore`, { method: "POST", token })).body).toMatchObject({ id: project.id, name: "At the edge" });
    expect(await titles()).toEqual([["loose", null], ["from workerd", "At the edge"]]);

    // For good: only from the trash.
    await call(`/api/v1/notes/${loose.body.id}`, { method: "DELETE", token });
    expect((await call(`/api/v1/notes/${loose.body.id}?permanent=true`, { method: "DELETE", token })).status).toBe(204);
    expect((await call("/api/v1/notes/trash", { token })).body.items).toEqual([]);

    expect((await call("/api/v1/auth/logout", { method: "POST", token })).status).toBe(204);
    expect((await call("/api/v1/auth/me", { token })).status).toBe(401);
    expect((await call("/api/v1/auth/me", { token: signup.body.token })).status).toBe(200);
    expect(used()).toBe(true);

    // Each API request's metric is written after its response (waitUntil), before its client closes.
    const sql = await openConnection(url);
    const recorded = async () => (await sql.query<{ r: string }>(`SELECT concat_ws(' ', method, route, status) AS r FROM "PerformanceMetric"`)).rows.map((row) => row.r);
    const apiCalls = call.calls.filter((line) => line.includes(" /api/"));
    await vi.waitFor(async () => expect(await recorded()).toHaveLength(apiCalls.length), { timeout: 10_000, interval: 100 });
    expect(await recorded()).toEqual(expect.arrayContaining(["POST /api/v1/auth/signup 201", "POST /api/v1/notes/:id/restore 200", "GET /api/v1/auth/me 401"]));
    expect((await sql.query(`SELECT 1 FROM "Note" WHERE id = $1`, [loose.body.id])).rows).toEqual([]);
  });
});
