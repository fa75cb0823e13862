import { parseArgs } from "node:util";
import type { z } from "zod";
import { usageError, type AnyCommand, type FlagSpec } from "./command.ts";
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
 * Parses a command's flags strictly (unknown flags, missing values and stray words are errors),
 * then checks their values with the command's zod schema. Keys reach the schema in camelCase.
 */
export function parseFlags(command: AnyCommand, args: readonly string[]): unknown {
  const name = `dbctl ${command.path.join(" ")}`;
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: toParseArgsOptions({ ...command.flags, ...helpFlag }),
      strict: true,
      allowPositionals: command.args !== undefined,
    }));
  } catch (error) {
    throw usageError(describeParseError(error, name));
  }
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) if (key !== "help") input[camel(key)] = value;
  if (command.args) input.args = positionals;
  const parsed = command.schema.safeParse(input);
  if (!parsed.success) throw usageError(describeIssue(parsed.error.issues[0], name));
  return parsed.data;
}

function toParseArgsOptions(flags: Record<string, FlagSpec>) {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [key, spec] of Object.entries(flags)) {
    options[key] = { type: spec.type, ...(spec.short && { short: spec.short }), ...(spec.multiple && { multiple: true }) };
  }
  return options;
}

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

function describeIssue(issue: z.core.$ZodIssue | undefined, name: string): string {
  if (!issue) return `Invalid flags for \`${name}\`.`;
  if (issue.path[0] === "args") return `Invalid arguments for \`${name}\`: ${issue.message.replace(/\.$/, "")}.`;
  const flag = issue.path.length ? `--${kebab(String(issue.path[0]))}` : "flags";
  return `Invalid ${flag} for \`${name}\`: ${issue.message.replace(/\.$/, "")}.`;
}

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
