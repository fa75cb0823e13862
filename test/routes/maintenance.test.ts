import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setMaintenance } from "../../src/ops/maintenance.ts";
import { connect, type Connection } from "../../src/ops/sql.ts";
import { runDbctl } from "../cli/run-dbctl.ts";
import { createTestApp } from "../support/app.ts";

let t: Awaited<ReturnType<typeof createTestApp>>;
let sql: Connection;
let user: { token: string; id: string; email: string };
let expired: { token: string; id: string };
let noteId: string;

beforeAll(async () => {
  t = await createTestApp();
  sql = await connect(t.url);
  user = await t.signup();
  expired = await t.signup();
  await t.db.session.updateMany({ where: { userId: expired.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
  noteId = (await t.request("POST", "/api/v1/notes", { token: user.token, body: { title: "before maintenance" } })).body.id;
});
afterAll(async () => sql?.close());

describe("maintenance mode", () => {
  it("is off by default: ready says so and writes work", async () => {
    const ready = await t.request("GET", "/health/ready");
    expect(ready.body.maintenance).toEqual({ enabled: false, message: null });
    expect((await t.request("POST", "/api/v1/projects", { token: user.token, body: { name: "ok" } })).status).toBe(201);
  });

  it("while on, every write answers 503 with Retry-After and changes nothing; reads keep working", async () => {
    await setMaintenance(sql, true, "Restoring from backup, back soon");
    const notesBefore = await t.db.note.count();
    const writes = [
      t.request("POST", "/api/v1/notes", { token: user.token, body: { title: "blocked" } }),
      t.request("PATCH", `/api/v1/notes/${noteId}`, { token: user.token, body: { title: "blocked" } }),
      t.request("DELETE", `/api/v1/notes/${noteId}`, { token: user.token }),
      t.request("POST", "/api/v1/auth/signup", { body: { email: "new@example.com", password: "password-123" } }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("60");
      expect(res.body.error).toEqual({ code: "MAINTENANCE", message: "Restoring from backup, back soon" });
    }
    expect(await t.db.note.count()).toBe(notesBefore);
    expect((await t.request("GET", `/api/v1/notes/${noteId}`, { token: user.token })).body.title).toBe("before maintenance");

    expect((await t.request("GET", "/api/v1/notes", { token: user.token })).status).toBe(200);
    const login = await t.request("POST", "/api/v1/auth/login", { body: { email: user.email, password: "password-123" } });
    expect(login.status).toBe(200);
    const ready = await t.request("GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.maintenance).toEqual({ enabled: true, message: "Restoring from backup, back soon" });
  });

  it("while on, a write answers 503 whatever its token, and the same write with the switch off is judged by its token", async () => {
    await setMaintenance(sql, true, null);
    const unknown = "A".repeat(43);
    for (const token of [user.token, unknown]) expect((await t.request("DELETE", `/api/v1/notes/${noteId}`, { token })).status).toBe(503);
    await setMaintenance(sql, false, null);
    expect((await t.request("DELETE", `/api/v1/notes/${noteId}`, { token: unknown })).status).toBe(401);
    expect((await t.request("GET", `/api/v1/notes/${noteId}`, { token: user.token })).status).toBe(200);
    await setMaintenance(sql, true, "Restoring from backup, back soon");
  });

  it("reads cost nothing extra while it is on", async () => {
    const { count } = await t.countStatements(() => t.request("GET", "/api/v1/notes", { token: user.token }));
    expect(count).toBeLessThanOrEqual(2);
  });

  it("nothing is written while it is on but a login's session and a logout's delete", async () => {
    await setMaintenance(sql, true, "Restoring");
    try {
      const { sql: statements } = await t.countStatements(async () => {
        expect((await t.request("GET", "/api/v1/notes", { token: user.token })).status).toBe(200);
        expect((await t.request("GET", `/api/v1/notes/${noteId}`, { token: user.token })).status).toBe(200);
        expect((await t.request("GET", "/api/v1/auth/me", { token: expired.token })).status).toBe(401);
        expect((await t.request("GET", "/api/v1/notes/missing", { token: user.token })).status).toBe(404);
        expect((await t.request("POST", "/api/v1/projects", { token: user.token, body: { name: "refused" } })).status).toBe(503);
        expect((await t.request("DELETE", `/api/v1/notes/${noteId}`, { token: user.token })).status).toBe(503);
        const login = await t.request("POST", "/api/v1/auth/login", { body: { email: user.email, password: "password-123" } });
        expect(login.status).toBe(200);
        expect((await t.request("POST", "/api/v1/auth/logout", { token: login.body.token })).status).toBe(204);
      });
      const writes = statements.filter((s) => /^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b/i.test(s));
      expect(writes).toHaveLength(2);
      expect(writes[0]).toMatch(/^INSERT INTO "public"\."Session"/);
      expect(writes[1]).toMatch(/^DELETE FROM "public"\."Session"/);
      expect(await t.db.session.count({ where: { userId: expired.id } })).toBe(1);
    } finally {
      await setMaintenance(sql, false, null);
    }
  });

  it("dbctl maintenance off/on/status flips the same switch the API reads", async () => {
    const env = { DIRECT_URL: t.url };
    const off = await runDbctl(["maintenance", "off"], env);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain("Maintenance is OFF");
    expect((await runDbctl(["maintenance", "status"], env)).code).toBe(0);
    expect((await t.request("PATCH", `/api/v1/notes/${noteId}`, { token: user.token, body: { title: "after" } })).status).toBe(200);

    const on = await runDbctl(["maintenance", "on", "--message", "Upgrading", "--json"], env);
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ enabled: true, message: "Upgrading" });
    expect(on.stdout).not.toContain(":postgres@");
    const status = await runDbctl(["maintenance", "status"], env);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("Maintenance is ON");
    const blocked = await t.request("POST", "/api/v1/projects", { token: user.token, body: { name: "x" } });
    expect(blocked.body.error).toEqual({ code: "MAINTENANCE", message: "Upgrading" });

    await runDbctl(["maintenance", "off"], env);
    expect((await t.request("POST", "/api/v1/projects", { token: user.token, body: { name: "y" } })).status).toBe(201);
  });
});
