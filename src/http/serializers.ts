import { z } from "@hono/zod-openapi";

/** Dates travel as ISO strings: the schema of one in a response. */
export const isoDate = z.string().openapi({ format: "date-time", example: "2026-11-25T08:30:00.000Z" });

type WithDates<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** Turns every Date field of a row into its ISO string. */
export function serialize<T extends object>(row: T): WithDates<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : value;
  return out as WithDates<T>;
}
