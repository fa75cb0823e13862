import { readFileSync } from "node:fs";
import { withEnvFile } from "../env-file.ts";
import { usageError, type CliContext } from "./command.ts";
import { commandHelp, groupHelp, rootHelp } from "./help.ts";
import { wantsHelp } from "./parse.ts";
import { renderError } from "./render-error.ts";
import { commandsIn, resolveCommand } from "./registry.ts";

/**
 * dbctl's entry: routes argv to a command, prints help, and turns every failure into one
 * sentence on stderr (plus a JSON error document on stdout under --json). Returns the exit code
 * instead of exiting, so output is flushed and tests can call it.
 */
export async function main(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  const json = flagBeforeTerminator(argv, "--json");
  try {
    const target = resolveCommand(argv);
    switch (target.kind) {
      case "root":
        if (target.rest.length === 0 || wantsHelp(target.rest)) return print(ctx, rootHelp());
        if (target.rest[0] === "--version" && target.rest.length === 1) return print(ctx, version());
        throw usageError(`Unknown flag ${target.rest[0]} for \`dbctl\`; run \`dbctl --help\` to see the commands.`);
      case "group":
        if (target.rest.length === 0 || wantsHelp(target.rest)) return print(ctx, groupHelp(target.group));
        throw usageError(
          `\`dbctl ${target.group}\` needs a command (${commandsIn(target.group).map((c) => c.path.slice(1).join(" ")).join(", ")}); run \`dbctl ${target.group} --help\`.`,
        );
      case "unknown":
        throw usageError(`Unknown command \`dbctl ${target.words.join(" ")}\`; run \`dbctl --help\` to see the commands.`);
      case "command": {
        if (wantsHelp(target.rest)) return print(ctx, commandHelp(target.command));
        return await target.command.execute(target.rest, ctx);
      }
    }
  } catch (error) {
    const typedUrl = rawUrlFlag(argv);
    return renderError(error, { json, secretUrls: [typedUrl, typedUrl?.trim(), ctx.env.DIRECT_URL, ctx.env.DATABASE_URL], stdout: ctx.stdout, stderr: ctx.stderr });
  }
}

function print(ctx: CliContext, text: string): number {
  ctx.stdout(text);
  return 0;
}

function flagBeforeTerminator(argv: readonly string[], flag: string): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes(flag);
}

/** The --url value as typed (and as parsed, trimmed), so it is masked even when the flag itself was rejected. */
function rawUrlFlag(argv: readonly string[]): string | undefined {
  const at = argv.indexOf("--url");
  if (at !== -1) return argv[at + 1];
  return argv.find((arg) => arg.startsWith("--url="))?.slice("--url=".length);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return `dbctl ${pkg.version ?? "unknown"}`;
}

function processContext(): CliContext {
  const cwd = process.cwd();
  let env: Record<string, string | undefined>;
  try {
    // The project's .env beneath the real environment (src/env-file.ts).
    env = withEnvFile(process.env, cwd);
  } catch (error) {
    // Before any command runs, so there is no --json document to answer with: one sentence, exit 1.
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  return {
    env,
    cwd,
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  };
}
