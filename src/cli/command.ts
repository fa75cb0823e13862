import type { z } from "zod";
import { OpsError } from "../ops/errors.ts";
import type { Flags, FlagValues } from "./flag.ts";
import { parseInput } from "./parse.ts";

/**
 * What every dbctl command is: a path of words (`migrate deploy`), its flags (each declared once,
 * see flag.ts), optional positional arguments, and a run function whose input type comes from
 * those declarations. A new command is one file under commands/ plus one line in registry.ts.
 */

/** Where a command reads its environment and writes its output; tests and the bin pass their own. */
export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Words after the command path that are not flags, e.g. `migrate new <name>`. */
export interface ArgsSpec<A extends z.ZodType> {
  /** Shown in usage, e.g. `<name>` or `[paths...]`. */
  usage: string;
  description: string;
  /** Receives the words as a string array. */
  schema: A;
}

export type CommandInput<F extends Flags, A extends z.ZodType | undefined> = FlagValues<F> & (A extends z.ZodType ? { args: z.output<A> } : unknown);

export interface CommandSpec<F extends Flags, A extends z.ZodType | undefined> {
  path: readonly string[];
  summary: string;
  /** Longer help: what it does, what it prints, its exit codes. */
  details: readonly string[];
  flags: F;
  args?: ArgsSpec<NonNullable<A>>;
  /** Pairs of flags that cannot be given together. */
  conflicts?: readonly (readonly [keyof F & string, keyof F & string])[];
  run(input: CommandInput<F, A>, ctx: CliContext): Promise<number>;
}

/** A command as the registry, the help and main() see it: its declarations, and a way to run it. */
export interface Command {
  readonly path: readonly string[];
  readonly summary: string;
  readonly details: readonly string[];
  readonly flags: Flags;
  readonly args?: { usage: string; description: string };
  /** Parses the words after the command path (usage errors throw, exit 2) and runs the command. */
  execute(argv: readonly string[], ctx: CliContext): Promise<number>;
}

export function defineCommand<F extends Flags, A extends z.ZodType | undefined = undefined>(spec: CommandSpec<F, A>): Command {
  const { run, conflicts, ...described } = spec;
  return { ...described, execute: (argv, ctx) => run(parseInput<F, A>(spec, argv), ctx) };
}

/** A failure the user can act on: an OpsError with the exit code to leave with. */
export class CliError extends OpsError {
  override name = "CliError";
  constructor(
    code: string,
    message: string,
    /** 2 for bad usage (nothing was attempted), 1 for everything else. */
    readonly exitCode: 1 | 2 = 1,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details);
  }
}

export const usageError = (message: string) => new CliError("USAGE", message, 2);

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
