import { afterAll, expect, it } from "vitest";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { REPO_ROOT } from "../cli/run-dbctl.ts";
import { createTestDatabase, openConnection } from "../support/database.ts";
import { npmStart, type NpmStart } from "../support/npm-start.ts";

/**
 * The Node entry's sink: `npm start` on a database of the test's buffers request metrics and,
 * at the latest when it is stopped (Ctrl-C), writes them, so none is lost on a clean shutdown.
 */
let server: NpmStart | undefined;
afterAll(async () => {
  await server?.stop();
});

it("npm start records each API request's metric by the time it has stopped", { timeout: 120_000 }, async () => {
  const { url } = await createTestDatabase();
  const port = await freePort();
  server = npmStart(REPO_ROOT, { DATABASE_URL: url, PORT: String(port), PBKDF2_ITERATIONS: "10000" });
  await server.ready();
  const api = `http://127.0.0.1:${port}/api/v1`;
  const signup = await fetch(`${api}/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "node-metrics@example.com", password: "password-123" }),
  });
  expect(signup.status).toBe(201);
  const { token } = (await signup.json()) as { token: string };
  expect((await fetch(`${api}/notes`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  expect((await fetch(`${api}/notes/missing`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

  expect(await server.stop()).toBe(0);
  const sql = await openConnection(url);
  const { rows } = await sql.query<{ r: string }>(`SELECT concat_ws(' ', method, route, status) AS r FROM "PerformanceMetric" ORDER BY 1`);
  expect(rows.map((row) => row.r)).toEqual(["GET /api/v1/notes 200", "GET /api/v1/notes/:id 404", "POST /api/v1/auth/signup 201"]);
});
