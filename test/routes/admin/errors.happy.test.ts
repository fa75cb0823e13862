import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../../support/app.ts";

const t = await createTestApp();
let admin: { token: string; id: string };
let user: { token: string; id: string };
let logId: string;

const HOUR = 3_600_000;
const now = Date.now();
const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR);

beforeAll(async () => {
  admin = await t.signup("ADMIN");
  user = await t.signup();
  await t.db.errorLog.createMany({
    data: [
      { message: "older", timestamp: at(3), lastSeenAt: at(3), route: "/api/v1/notes/:id", method: "GET", status: 500 },
      { message: "middle", timestamp: at(4), lastSeenAt: at(2), route: "/api/v1/projects", method: "POST", status: 500 },
      { message: "newer", timestamp: at(1), lastSeenAt: at(1), route: "/api/v1/notes/:id", method: "PATCH", status: 500, userId: user.id, count: 3 },
    ],
  });
  logId = (await t.db.errorLog.findFirstOrThrow({ where: { message: "older" } })).id;
});

const messages = async (query: string) => {
  const res = await t.request("GET", `/api/v1/admin/errors${query}`, { token: admin.token });
  expect(res.status).toBe(200);
  return (res.body.items as { message: string }[]).map((l) => l.message);
};

describe("admin errors", () => {
  it("an admin lists errors, most recently seen first, with how often each happened", async () => {
    const res = await t.client.api.v1.admin.errors.$get({ query: {} }, t.as(admin.token));
    expect(res.status).toBe(200);
    const body = await res.json();
    if (!("items" in body)) throw new Error("expected a page");
    expect(body.items.map((l) => [l.message, l.count])).toEqual([
      ["newer", 3],
      ["middle", 1],
      ["older", 1],
    ]);
    expect(body.items[0]).not.toHaveProperty("stack");
    expect(body.items[0]).not.toHaveProperty("fingerprint");
  });

  it("filters by the exact route pattern", async () => {
    expect(await messages(`?route=${encodeURIComponent("/api/v1/notes/:id")}`)).toEqual(["newer", "older"]);
    expect(await messages(`?route=${encodeURIComponent("/api/v1/notes")}`)).toEqual([]);
  });

  it("filters by when an error was last seen, both ends included", async () => {
    expect(await messages(`?since=${at(2).toISOString()}`)).toEqual(["newer", "middle"]);
    expect(await messages(`?until=${at(2).toISOString()}`)).toEqual(["middle", "older"]);
    expect(await messages(`?since=${at(2.5).toISOString()}&until=${at(1.5).toISOString()}`)).toEqual(["middle"]);
  });

  it("reads a moment with an offset as the same instant", async () => {
    const twoHoursAgo = at(2);
    const plusTwo = new Date(twoHoursAgo.getTime() + 2 * HOUR).toISOString().replace("Z", "+02:00");
    expect(await messages(`?since=${encodeURIComponent(plusTwo)}`)).toEqual(["newer", "middle"]);
  });

  it("pages with a cursor inside a filter, without skipping or repeating", async () => {
    const filter = `route=${encodeURIComponent("/api/v1/notes/:id")}&since=${at(10).toISOString()}`;
    const first = await t.request("GET", `/api/v1/admin/errors?${filter}&limit=1`, { token: admin.token });
    const second = await t.request("GET", `/api/v1/admin/errors?${filter}&limit=1&cursor=${first.body.nextCursor}`, { token: admin.token });
    expect([...first.body.items, ...second.body.items].map((l: { message: string }) => l.message)).toEqual(["newer", "older"]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("pages the whole list with a cursor, without skipping or repeating", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { message: string }[]; nextCursor: string | null } } = await t.request("GET", `/api/v1/admin/errors?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: admin.token });
      seen.push(...page.body.items.map((l) => l.message));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["newer", "middle", "older"]);
  });

  it("an admin resolves an error; the resolved filter sees it, beside the others", async () => {
    const res = await t.client.api.v1.admin.errors[":id"].resolve.$post({ param: { id: logId } }, t.as(admin.token));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: logId, resolved: true, resolvedAt: expect.any(String) });
    expect(await messages("?resolved=true")).toEqual(["older"]);
    expect(await messages("?resolved=false")).toEqual(["newer", "middle"]);
    expect(await messages(`?resolved=false&route=${encodeURIComponent("/api/v1/notes/:id")}`)).toEqual(["newer"]);
  });
});
