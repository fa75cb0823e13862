import type { Command } from "./command.ts";
import { kebab, type Flag } from "./flag.ts";
import { helpFlag } from "./flags.ts";
import { COMMANDS, GROUPS, commandsIn } from "./registry.ts";

/** Help texts, built from the registry so a new command documents itself. */

const pad = (rows: [string, string][]) => {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`);
};

export function rootHelp(): string {
  const rows: [string, string][] = COMMANDS.map((c) => [c.path.join(" "), c.summary]);
  return [
    "dbctl: database operations for this project: migrations, backups, point-in-time recovery, maintenance.",
    "",
    "Usage: dbctl <command> [flags]",
    "",
    "Commands:",
    ...pad(rows),
    "",
    "Global flags:",
    "  -h, --help      Show help (also after any command: dbctl migrate status --help).",
    "  --version       Print the version.",
    "",
    "Connection: --url, else DIRECT_URL, else DATABASE_URL: a direct postgresql:// URL, never a pooler or prisma:// (the db reports take a pooled one too).",
    "Exit codes: 0 success, 1 failure or not up to date, 2 bad usage.",
  ].join("\n");
}

export function groupHelp(group: string): string {
  const rows: [string, string][] = commandsIn(group).map((c) => [c.path.slice(1).join(" "), c.summary]);
  return [
    `dbctl ${group}: ${GROUPS[group] ?? ""}`,
    "",
    `Usage: dbctl ${group} <command> [flags]`,
    "",
    "Commands:",
    ...pad(rows),
    "",
    `Run \`dbctl ${group} <command> --help\` for a command's flags.`,
  ].join("\n");
}

export function commandHelp(command: Command): string {
  const flags = Object.entries({ ...command.flags, help: helpFlag }).map(([name, spec]): [string, string] => [flagLabel(kebab(name), spec), spec.description]);
  return [
    `dbctl ${command.path.join(" ")}: ${command.summary}`,
    "",
    `Usage: dbctl ${command.path.join(" ")}${command.args ? ` ${command.args.usage}` : ""} [flags]`,
    "",
    ...(command.args ? [`${command.args.usage}: ${command.args.description}`, ""] : []),
    ...command.details,
    "",
    "Flags:",
    ...pad(flags),
  ].join("\n");
}

function flagLabel(name: string, spec: Flag): string {
  const long = `--${name}${spec.valueName ? ` ${spec.valueName}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}
