import { z } from "@hono/zod-openapi";

/** Response shapes, shared by routes and the OpenAPI document. Dates travel as ISO strings. */
const iso = z.string().openapi({ format: "date-time", example: "2026-11-25T08:30:00.000Z" });

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string().openapi({ example: "ada@example.com" }),
    name: z.string().nullable(),
    role: z.enum(["USER", "ADMIN"]),
    createdAt: iso,
    updatedAt: iso,
  })
  .openapi("User");

export const ProjectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(["ACTIVE", "ARCHIVED"]),
    createdAt: iso,
    updatedAt: iso,
  })
  .openapi("Project");

export const TrashedProjectSchema = ProjectSchema.extend({ deletedAt: iso }).openapi("TrashedProject");

export const NoteSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    content: z.string(),
    pinned: z.boolean(),
    projectId: z.string().nullable(),
    project: z.object({ id: z.string(), name: z.string() }).nullable(),
    createdAt: iso,
    updatedAt: iso,
  })
  .openapi("Note");

export const TrashedNoteSchema = NoteSchema.extend({ deletedAt: iso }).openapi("TrashedNote");

type WithDates<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** Turns every Date field of a row into its ISO string. */
export function serialize<T extends object>(row: T): WithDates<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : value;
  return out as WithDates<T>;
}
