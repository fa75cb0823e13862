import { z } from "@hono/zod-openapi";
import { fromBase64Url, toBase64Url } from "../auth/crypto.ts";
import { validationFailed } from "./errors.ts";
import { serialize } from "./serializers.ts";
import { findUnstorable } from "./storable.ts";

/**
 * Keyset pagination. The cursor is opaque to clients: the sort key of the last row returned,
 * so a page never skips or repeats rows when others are added or deleted meanwhile, and the
 * next page costs one indexed query whatever its depth.
 */
export const PageQuery = z.object({
  cursor: z.string().max(512).optional().openapi({ description: "nextCursor from the previous page" }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Page size, 1 to 100" }),
});

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

/** The range PostgreSQL's timestamp stores and JavaScript can write back as ISO text: years 1 to 9999. */
const EARLIEST = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/** A date in a cursor: ISO text that parses to a moment PostgreSQL can store. */
export const cursorDate = z.iso
  .datetime()
  .transform((v) => new Date(v))
  .refine((d) => d.getTime() >= EARLIEST && d.getTime() <= LATEST, { message: "Date out of range" });

type SortValue = Date | string | boolean;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const invalidCursor = () =>
  validationFailed([{ path: "cursor", message: "Invalid cursor: pass nextCursor from a previous page unchanged", code: "custom" }]);

function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.infer<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(fromBase64Url(cursor)));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success || findUnstorable(parsed.data).length > 0) throw invalidCursor();
  return parsed.data;
}

/** Prisma's "below this value" in descending order; false has nothing below it. */
function below(value: SortValue): unknown {
  if (typeof value === "boolean") return value ? false : undefined;
  return { lt: value };
}

/**
 * One keyset, descending on every field (the last one unique, the id). `fetch` runs a page's
 * query (the caller's findMany, given the keyset's filter, order and `limit + 1`) and answers the
 * page: its rows serialized, and the cursor of the last one when there are more.
 * `W` is the model's where-input the filter is spread into.
 */
export function keyset<W, const F extends readonly string[]>(fields: F, schema: z.ZodType<SortValue[]>) {
  const orderBy = fields.map((field) => ({ [field]: "desc" as const })) as { [K in F[number]]: "desc" }[];

  /** Rows after (v0, v1, ...): for each field, equal on the ones before it and below on it. */
  function after(cursor: string | undefined): W {
    if (cursor === undefined) return {} as W;
    const values = decodeCursor(cursor, schema);
    const OR: Record<string, unknown>[] = [];
    fields.forEach((field, i) => {
      const bound = below(values[i] as SortValue);
      if (bound === undefined) return;
      const clause: Record<string, unknown> = { [field]: bound };
      for (let j = 0; j < i; j++) clause[fields[j] as string] = values[j];
      OR.push(clause);
    });
    return { OR } as W;
  }

  function cursorOf(row: { [K in F[number]]: unknown }): string {
    const key = fields.map((field) => {
      const value = row[field as F[number]];
      return value instanceof Date ? value.toISOString() : value;
    });
    return toBase64Url(encoder.encode(JSON.stringify(key)));
  }

  async function fetch<Row extends { [K in F[number]]: unknown }>(
    page: { cursor?: string; limit: number },
    query: (args: { where: W; orderBy: typeof orderBy; take: number }) => Promise<Row[]>,
  ) {
    const rows = await query({ where: after(page.cursor), orderBy, take: page.limit + 1 });
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items: items.map(serialize), nextCursor: rows.length > page.limit && last ? cursorOf(last) : null };
  }

  return { fetch };
}
