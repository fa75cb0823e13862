import type { z } from "zod";

/**
 * What every dbctl command is: a path of words (`migrate deploy`), its flags, a zod schema the
 * parsed flags must pass, and a run function that returns the exit code. A new command is one
 * file under commands/ plus one line in registry.ts.
 */

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** The flag may be given several times; its values reach the schema as an array. */
  multiple?: boolean;
  /** Placeholder shown in help for a string flag, e.g. `<url>`. */
  valueName?: string;
  description: string;
}

/** Where a command reads its environment and writes its output; tests and the bin pass their own. */
export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Words after the flags' command path that are not flags, e.g. `migrate new <name>`. */
export interface ArgsSpec {
  /** Shown in usage, e.g. `<name>` or `[paths...]`. */
  usage: string;
  description: string;
}

export interface CommandSpec<S extends z.ZodType> {
  path: readonly string[];
  summary: string;
  /** When set, the command takes positional arguments; they reach the schema as `args: string[]`. */
  args?: ArgsSpec;
  /** Longer help: what it does, what it prints, its exit codes. */
  details: readonly string[];
  flags: Record<string, FlagSpec>;
  schema: S;
  run(flags: z.infer<S>, ctx: CliContext): Promise<number>;
}

export type AnyCommand = CommandSpec<z.ZodType>;

/** Erases the flag type so commands of different shapes live in one registry array. */
export const defineCommand = <S extends z.ZodType>(spec: CommandSpec<S>): AnyCommand => spec as unknown as AnyCommand;

/** A failure the user can act on; its message is the one sentence printed. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    /** UPPER_SNAKE, for --json readers. */
    readonly code: string,
    message: string,
    /** 2 for bad usage (nothing was attempted), 1 for everything else. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError("USAGE", message, 2);

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
