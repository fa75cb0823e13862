import { z } from "zod";
import { isAccelerateUrl } from "../db/url.ts";
import { flag } from "./flag.ts";

/** Flags several commands share, declared once so every command spells and checks them the same. */

export const helpFlag = flag.boolean({ short: "h", description: "Show this help." });

export const jsonFlag = flag.boolean({ description: "Print one JSON document on stdout instead of text (errors too)." });

/** A connection string given on the command line: only a direct Postgres URL will do. */
export const directUrlSchema = z
  .string()
  .trim()
  .refine((v) => !isAccelerateUrl(v), {
    message: "is a Prisma Accelerate (prisma://) URL; database operations need a direct postgresql:// connection",
  })
  .refine((v) => /^postgres(ql)?:\/\/./.test(v), { message: "must start with postgresql:// or postgres://" });

export const urlFlag = flag.string(directUrlSchema.optional(), {
  valueName: "<url>",
  description: "Database to use. Default: DIRECT_URL, else DATABASE_URL. Must be a direct postgresql:// URL.",
});

const folder = (fallback: string) => z.string().trim().min(1, "must not be empty").default(fallback);

export const migrationsDirFlag = flag.string(folder("prisma/migrations"), {
  valueName: "<dir>",
  description: "Folder of Prisma Migrate migrations. Default: prisma/migrations.",
});

export const rollbackDirFlag = flag.string(folder("migrations-rollback"), {
  valueName: "<dir>",
  description: "Folder of rollback scripts, <dir>/<migration>/rollback.sql. Default: migrations-rollback.",
});

/** A whole number flag (`--steps 3`), with the bounds in its message. */
export const wholeNumber = (min: number, max: number) =>
  z.coerce.number({ message: "must be a whole number" }).int("must be a whole number").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** A non-empty name (`--branch before-incident`). */
export const nameSchema = z.string().trim().min(1, "must not be empty");
