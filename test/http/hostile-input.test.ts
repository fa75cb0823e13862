import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { newSessionToken, sha256Hex } from "../../src/auth/crypto.ts";
import { createTestApp } from "../support/app.ts";

/**
 * Every route of the OpenAPI document, sent arbitrary strings (NUL and lone surrogates included),
 * numbers, dates, nesting, ids and cursors, with and without a token: never a 5xx, never a stack
 * trace, never SQL text.
 */
const t = await createTestApp();

interface Schema {
  $ref?: string;
  properties?: Record<string, unknown>;
}
interface Operation {
  parameters?: { in: "path" | "query"; name: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
const doc = (await t.request("GET", "/api/v1/openapi.json")).body as Doc;

let users: { user: string; admin: string };
let ids: string[];
beforeAll(async () => {
  const user = await t.signup();
  const admin = await t.signup("ADMIN");
  const project = await t.request("POST", "/api/v1/projects", { token: user.token, body: { name: "fuzzed" } });
  const note = await t.request("POST", "/api/v1/notes", { token: user.token, body: { title: "fuzzed", projectId: project.body.id } });
  users = { user: user.id, admin: admin.id };
  ids = [project.body.id, note.body.id];
});

/** A session of its own for each request: a fuzzed logout must not log the next request out. */
async function sessionOf(userId: string): Promise<string> {
  const token = newSessionToken();
  await t.db.session.create({ data: { userId, tokenHash: await sha256Hex(token), expiresAt: new Date(Date.now() + 3_600_000) } });
  return token;
}

const troublesome = fc.constantFrom(
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "\ud83d",
  "0000-01-01T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z",
  "-000001-01-01T00:00:00Z",
  "2026-02-30T25:61:61Z",
  "NaN",
  "1e309",
  "-0",
  "'; DROP TABLE \"Note\"; --",
  "%00",
  "../../etc/passwd",
  "true",
  "null",
  "9".repeat(600),
  "",
  " ",
);
/** Any text: printable or not, every plane, and lone surrogates spliced in. */
const text = fc.oneof(
  troublesome,
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.oneof(fc.string({ unit: "binary", maxLength: 6 }), troublesome), { maxLength: 5 }).map((parts) => parts.join("")),
);
const date = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15) }).map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString()));
const scalar = fc.oneof(text, date, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt().map(String));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", maxDepth: 4 }, scalar, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(text, tie("value"), { maxKeys: 4 })),
}));
/** A cursor of our own encoding around any content, or any text at all. */
const cursor = fc.oneof(text, fc.array(value, { maxLength: 4 }).map((key) => Buffer.from(JSON.stringify(key)).toString("base64url")));

/** Text into a URL: what percent-encoding can carry (a URL cannot hold a lone surrogate), plus raw escapes. */
const inUrl = (s: string) => encodeURIComponent(s.toWellFormed());
const urlText = fc.oneof(text.map(inUrl), fc.constantFrom("%00", "%ED%A0%80", "%FF", "%", "%25", "a%00b"));

function bodyShape(op: Operation): string[] | undefined {
  const schema = op.requestBody?.content["application/json"]?.schema;
  if (!schema) return undefined;
  const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split("/").pop() as string] : schema;
  return Object.keys(resolved?.properties ?? {});
}

const operations = Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

const STACK = /\bat .+[\\/].+\.(ts|js|mjs):\d+|node_modules|\n\s+at /;
const SQL = /\b(SELECT|INSERT INTO|UPDATE .+ SET|DELETE FROM)\b|"public"\.|invocation/;

describe("hostile input, on every route of the OpenAPI document", () => {
  it("covers the document", () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it.each(operations.map((o) => [`${o.method} ${o.path}`, o] as const))("%s never answers 5xx, a stack trace or SQL", async (_, { path, method, op }) => {
    const fields = bodyShape(op);
    const queryNames = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
    // Mostly well-formed requests (a real token, the route's own fields and parameters) carrying
    // hostile values, so that they get past authentication and shape checks to the database.
    const often = <T>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 4 });
    const request = fc.record({
      id: fc.oneof(often(fc.constantFrom(...ids).map(inUrl)), urlText),
      query: fc.array(
        fc.tuple(fc.oneof(often(fc.constantFrom(...(queryNames.length ? queryNames : ["q"]), "cursor")), text.map(inUrl)), fc.oneof(urlText, cursor.map(inUrl))),
        { maxLength: 4 },
      ),
      body: fields
        ? fc.oneof(
            often(fc.record(Object.fromEntries(fields.map((f) => [f, fc.oneof(often(text), value)])), { requiredKeys: [] }).map((b) => JSON.stringify(b))),
            value.map((v) => JSON.stringify(v)),
            text,
          )
        : fc.constant(undefined),
      as: fc.oneof(often(fc.constantFrom("user" as const, "admin" as const)), fc.constant(undefined)),
      token: fc.oneof(fc.constant(undefined), fc.constant("A".repeat(43)), text),
    });

    await fc.assert(
      fc.asyncProperty(request, async ({ id, query, body, as, token: badToken }) => {
        const token = as ? await sessionOf(users[as]) : badToken;
        const search = query.map(([k, v]) => `${k}=${v}`).join("&");
        const url = `${path.replace("{id}", id)}${search ? `?${search}` : ""}`;
        const headers: Record<string, string> = {};
        // A header travels as bytes: the token's UTF-8, as a raw HTTP client would send it (no line breaks).
        if (token !== undefined) headers.authorization = `Bearer ${Buffer.from(token.replace(/[\r\n\u0000]/g, "")).toString("latin1")}`;
        const res = await t.request(method, url, { raw: body, headers });
        expect(res.status, `${method} ${url}`).toBeLessThan(500);
        const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
        expect(text).not.toMatch(STACK);
        if (res.status >= 400) {
          expect(res.body.error.code, `${method} ${url}`).toMatch(/^[A-Z_]+$/);
          expect(text).not.toMatch(SQL);
        }
      }),
      { numRuns: 100 },
    );
  });
});
