import { parseArgs } from "node:util";
import { z } from "zod";
import { usageError, type CommandInput, type CommandSpec } from "./command.ts";
import { kebab, type Flag, type Flags } from "./flag.ts";
import { helpFlag } from "./flags.ts";

/** True when the user asked for help anywhere before a `--` terminator. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/**
 * Reads a command's flags strictly (unknown flags, missing values and stray words are errors),
 * then checks every value with its flag's zod schema and the command's conflicting pairs. The
 * object it returns has the type the flags declare; a zod schema built from them made it.
 */
export function parseInput<F extends Flags, A extends z.ZodType | undefined>(command: CommandSpec<F, A>, args: readonly string[]): CommandInput<F, A> {
  const name = `dbctl ${command.path.join(" ")}`;
  const flags: [string, Flag][] = Object.entries(command.flags);
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        [...flags, ["help", helpFlag] as const].map(([key, f]) => [
          kebab(key),
          { type: f.kind === "boolean" ? ("boolean" as const) : ("string" as const), ...(f.short && { short: f.short }), ...(f.kind === "list" && { multiple: true }) },
        ]),
      ),
      strict: true,
      allowPositionals: command.args !== undefined,
    }));
  } catch (error) {
    throw usageError(describeParseError(error, name));
  }
  const shape: Record<string, z.ZodType> = Object.fromEntries(flags.map(([key, f]) => [key, f.schema]));
  if (command.args) shape.args = command.args.schema;
  const input: Record<string, unknown> = Object.fromEntries(flags.map(([key]) => [key, values[kebab(key)]]));
  if (command.args) input.args = positionals;
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) throw usageError(describeIssue(parsed.error.issues[0], name, input));
  for (const [a, b] of command.conflicts ?? []) {
    if (given(values[kebab(a)]) && given(values[kebab(b)])) throw usageError(`Invalid --${kebab(a)} for \`${name}\`: cannot be combined with --${kebab(b)}.`);
  }
  return parsed.data as CommandInput<F, A>;
}

const given = (value: unknown) => value !== undefined && value !== false;

function describeParseError(error: unknown, name: string): string {
  const e = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? "")?.[1] ?? "";
  const help = `run \`${name} --help\` to see its flags`;
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown flag ${quoted} for \`${name}\`; ${help}.`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = quoted.split(" ")[0] ?? quoted;
      return /argument missing/.test(e.message ?? "")
        ? `The flag ${flag} needs a value; ${help}.`
        : `The flag ${flag} takes no value; ${help}.`;
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Unexpected argument${quoted ? ` "${quoted}"` : ""} for \`${name}\`; ${help}.`;
    default:
      return `Could not read the flags of \`${name}\`; ${help}.`;
  }
}

function describeIssue(issue: z.core.$ZodIssue | undefined, name: string, input: Record<string, unknown>): string {
  if (!issue) return `Invalid flags for \`${name}\`.`;
  if (issue.path[0] === "args") return `Invalid arguments for \`${name}\`: ${issue.message.replace(/\.$/, "")}.`;
  const flag = issue.path.length ? `--${kebab(String(issue.path[0]))}` : "flags";
  if (issue.path.length === 1 && input[String(issue.path[0])] === undefined) return `\`${name}\` needs ${flag}; run \`${name} --help\` to see its flags.`;
  return `Invalid ${flag} for \`${name}\`: ${issue.message.replace(/\.$/, "")}.`;
}
