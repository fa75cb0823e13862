import { z } from "zod";
import type { FlagSpec } from "./command.ts";

/** Flags several commands share, with their zod rules, so every command spells them the same. */

export const jsonFlag: Record<"json", FlagSpec> = {
  json: { type: "boolean", description: "Print one JSON document on stdout instead of text (errors too)." },
};

export const urlFlag: Record<"url", FlagSpec> = {
  url: {
    type: "string",
    valueName: "<url>",
    description: "Database to use. Default: DIRECT_URL, else DATABASE_URL. Must be a direct postgresql:// URL.",
  },
};

export const migrationsDirFlag: Record<"migrations-dir", FlagSpec> = {
  "migrations-dir": {
    type: "string",
    valueName: "<dir>",
    description: "Folder of Prisma Migrate migrations. Default: prisma/migrations.",
  },
};

export const helpFlag: Record<"help", FlagSpec> = {
  help: { type: "boolean", short: "h", description: "Show this help." },
};

/** A connection string given on the command line: only a direct Postgres URL will do. */
export const directUrlSchema = z
  .string()
  .trim()
  .refine((v) => !/^prisma(\+postgres)?:\/\//.test(v), {
    message: "is a Prisma Accelerate (prisma://) URL; database operations need a direct postgresql:// connection",
  })
  .refine((v) => /^postgres(ql)?:\/\/./.test(v), { message: "must start with postgresql:// or postgres://" });

export const jsonSchema = z.boolean().default(false);
export const migrationsDirSchema = z.string().trim().min(1, "must not be empty").default("prisma/migrations");

export const rollbackDirFlag: Record<"rollback-dir", FlagSpec> = {
  "rollback-dir": {
    type: "string",
    valueName: "<dir>",
    description: "Folder of rollback scripts, <dir>/<migration>/rollback.sql. Default: migrations-rollback.",
  },
};

export const rollbackDirSchema = z.string().trim().min(1, "must not be empty").default("migrations-rollback");
