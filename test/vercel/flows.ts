import { expect } from "vitest";

/**
 * The API's main flows and the cron route, driven through a Vercel handler the way Vercel's Node
 * runtime calls it: the default export's fetch, one real Request at a time. Shared by the
 * factory's tests, the entry's import and the function `vercel build` wrote.
 */
export type Handler = { fetch(request: Request): Response | Promise<Response> };

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A deployment's own host, as Vercel's proxy hands requests to a function. */
const ORIGIN = "https://edge-postgres-kit.vercel.app";

export function caller(handler: Handler) {
  return async (path: string, init: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const response = await handler.fetch(
      new Request(`${ORIGIN}${path}`, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }),
    );
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text && (response.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text };
  };
}

export type Call = ReturnType<typeof caller>;

/**
 * Signup, login, me, projects and notes CRUD, soft delete and restore, the list, logout: each step
 * through the handler, each answer checked. Returns what it made, for checks on the database.
 */
export async function mainFlows(call: Call, email: string) {
  const password = "password-123";
  const signup = await call("/api/v1/auth/signup", { method: "POST", body: { email, password, name: "Vera" } });
  expect(signup.status).toBe(201);
  expect(signup.body.user).toMatchObject({ email, name: "Vera" });

  const login = await call("/api/v1/auth/login", { method: "POST", body: { email, password } });
  expect(login.status).toBe(200);
  const token = login.body.token as string;
  expect(token).not.toBe(signup.body.token);
  expect((await call("/api/v1/auth/me", { token })).body.user).toMatchObject({ id: signup.body.user.id, email });

  const project = await call("/api/v1/projects", { method: "POST", token, body: { name: "Launch" } });
  expect(project.status).toBe(201);
  const renamed = await call(`/api/v1/projects/${project.body.id}`, { method: "PATCH", token, body: { name: "Launch day" } });
  expect([renamed.status, renamed.body.name]).toEqual([200, "Launch day"]);
  expect((await call("/api/v1/projects", { token })).body.items.map((p: { name: string }) => p.name)).toEqual(["Launch day"]);

  const note = await call("/api/v1/notes", { method: "POST", token, body: { title: "Checklist", content: "DNS", projectId: project.body.id } });
  expect(note.status).toBe(201);
  const other = await call("/api/v1/notes", { method: "POST", token, body: { title: "Loose end" } });
  expect(other.status).toBe(201);
  const edited = await call(`/api/v1/notes/${note.body.id}`, { method: "PATCH", token, body: { content: "DNS, TLS", pinned: true } });
  expect(edited.body).toMatchObject({ title: "Checklist", content: "DNS, TLS", pinned: true, project: { id: project.body.id, name: "Launch day" } });
  expect((await call(`/api/v1/notes/${note.body.id}`, { token })).body).toEqual(edited.body);
  expect((await call("/api/v1/notes", { token })).body.items.map((n: { title: string }) => n.title)).toEqual(["Checklist", "Loose end"]);

  // Soft delete: gone from reads and lists, kept in the trash, back after a restore.
  expect((await call(`/api/v1/notes/${note.body.id}`, { method: "DELETE", token })).status).toBe(204);
  expect((await call(`/api/v1/notes/${note.body.id}`, { token })).status).toBe(404);
  expect((await call("/api/v1/notes", { token })).body.items.map((n: { title: string }) => n.title)).toEqual(["Loose end"]);
  expect((await call("/api/v1/notes/trash", { token })).body.items.map((n: { id: string }) => n.id)).toEqual([note.body.id]);
  expect((await call(`/api/v1/notes/${note.body.id}/restore`, { method: "POST", token })).status).toBe(200);
  expect((await call("/api/v1/notes", { token })).body.items.map((n: { title: string }) => n.title)).toEqual(["Checklist", "Loose end"]);
  expect((await call("/api/v1/notes/trash", { token })).body.items).toEqual([]);

  expect((await call("/api/v1/auth/logout", { method: "POST", token })).status).toBe(204);
  expect((await call("/api/v1/auth/me", { token })).status).toBe(401);
  // The signup's own session is another session: logging one out leaves it.
  expect((await call("/api/v1/auth/me", { token: signup.body.token })).status).toBe(200);
  return { userId: signup.body.user.id as string, projectId: project.body.id as string, noteIds: [note.body.id as string, other.body.id as string] };
}

/** The cron route as Vercel's cron calls it: GET with Authorization: Bearer $CRON_SECRET. */
export function cronCall(call: Call, job: string, authorization?: string): Promise<Reply> {
  return call(`/api/cron/${job}`, authorization === undefined ? {} : { headers: { authorization } });
}

/** A missing and a wrong secret are refused with 401 and the challenge; the right one runs retention as a schedule run. */
export async function cronChecks(call: Call, secret: string, jobRuns: () => Promise<{ job: string; trigger: string; outcome: string | null }[]>) {
  for (const authorization of [undefined, "Bearer not-the-cron-secret", `Bearer ${secret}x`]) {
    const refused = await cronCall(call, "retention", authorization);
    expect([authorization, refused.status, refused.body.error?.code]).toEqual([authorization, 401, "UNAUTHORIZED"]);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="cron"');
  }
  expect(await jobRuns()).toEqual([]);

  const run = await cronCall(call, "retention", `Bearer ${secret}`);
  expect(run.status).toBe(200);
  expect(run.body).toMatchObject({ job: "retention", trigger: "schedule", outcome: "succeeded", error: null });
  expect(await jobRuns()).toEqual([{ job: "retention", trigger: "schedule", outcome: "succeeded" }]);
  return run.body as { id: string; rows: Record<string, number> };
}
