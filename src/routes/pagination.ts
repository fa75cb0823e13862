import { z } from "@hono/zod-openapi";
import { fromBase64Url, toBase64Url } from "../auth/crypto.ts";
import { ApiError } from "../http/errors.ts";

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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCursor(key: unknown[]): string {
  return toBase64Url(encoder.encode(JSON.stringify(key)));
}

export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.infer<T> {
  try {
    const parsed = schema.safeParse(JSON.parse(decoder.decode(fromBase64Url(cursor))));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through: any undecodable cursor is the same client error
  }
  throw new ApiError(400, "VALIDATION_FAILED", "The request is invalid", [
    { path: "cursor", message: "Invalid cursor: pass nextCursor from a previous page unchanged", code: "custom" },
  ]);
}

/** Takes `limit + 1` rows, returns `limit` and a cursor built from the last row kept. */
export function paginate<Row>(rows: Row[], limit: number, keyOf: (row: Row) => unknown[]) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/** A date in a cursor: ISO text that must parse. */
export const cursorDate = z.iso.datetime().transform((v) => new Date(v));
