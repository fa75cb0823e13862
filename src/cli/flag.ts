import { z } from "zod";

/**
 * One flag, declared once: how argv is read (kind), what its value must be and becomes (a zod
 * schema, whose output type the command's run function receives), and its help line. The CLI
 * name is the key in kebab-case (`migrationsDir` is `--migrations-dir`).
 *
 * Why not a CLI library: none of the well-kept ones (commander, yargs, citty, drizzle's brocli)
 * validates with zod, so each would mean a second declaration per flag; node:util parseArgs reads
 * argv strictly and this file adds only the declaration that ties it to zod and to the help.
 */
export interface Flag<S extends z.ZodType = z.ZodType> {
  /** string: one value; boolean: present or not; list: repeatable, its values reach the schema as an array. */
  readonly kind: "string" | "boolean" | "list";
  readonly schema: S;
  readonly description: string;
  /** Placeholder shown in help, e.g. `<url>` (string and list flags). */
  readonly valueName?: string;
  readonly short?: string;
}

export type Flags = Readonly<Record<string, Flag>>;

/** What a command's run function receives: every flag's parsed value, under its camelCase key. */
export type FlagValues<F extends Flags> = { [K in keyof F]: z.output<F[K]["schema"]> };

interface Help {
  description: string;
  short?: string;
}

interface ValueHelp extends Help {
  valueName: string;
}

export const flag = {
  /** A flag with one value, checked (and transformed) by `schema`; undefined when not given. */
  string: <S extends z.ZodType>(schema: S, help: ValueHelp): Flag<S> => ({ kind: "string", schema, ...help }),
  /** A repeatable flag: `schema` receives every value given, as an array (undefined when none). */
  list: <S extends z.ZodType>(schema: S, help: ValueHelp): Flag<S> => ({ kind: "list", schema, ...help }),
  /** A switch: true when given, false otherwise. */
  boolean: (help: Help): Flag<z.ZodDefault<z.ZodBoolean>> => ({ kind: "boolean", schema: z.boolean().default(false), ...help }),
};

export const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
