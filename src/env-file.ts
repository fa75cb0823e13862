import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./env.ts";

/**
 * The project's `.env` file, read by the Node entry points (npm start, dbctl, the seeds,
 * prisma.config.ts) from the directory they run in. Never imported by src/env.ts or anything the
 * Worker bundles: a Worker has no file system, and `wrangler dev` reads `.dev.vars` itself.
 *
 * Parsed with Node's own util.parseEnv (Node >= 20.12), the format `node --env-file` reads, so
 * quoting, `export` and multi-line values mean exactly what they mean to Node, with no parser and
 * no dependency of ours. parseEnv never fails, though: a line without `=` is folded into the next
 * variable's name or dropped, so the lines' shape is checked here and a bad one is an error.
 */
export const ENV_FILE = ".env";

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variables of `<cwd>/.env`; none when there is no such file. */
export function readEnvFile(cwd: string): Record<string, string> {
  const path = join(cwd, ENV_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`Could not read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  return parseEnvFile(text, path);
}

/**
 * `.env` beneath the real environment: a variable the environment has wins, even when it is set
 * to an empty string (which the configuration then reads as unset), so a shell can always
 * override or blank out what the file says.
 */
export function withEnvFile(env: Record<string, string | undefined>, cwd: string): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...readEnvFile(cwd) };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return merged;
}

/** The variables of one .env text; `path` names the file in the error. */
export function parseEnvFile(text: string, path: string): Record<string, string> {
  const content = text.replace(/^\uFEFF/, "");
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) throw malformed(path, i + 1);
    i += quotedLines(lines, i, assignment[0].length);
  }
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseEnv(content))) {
    if (!NAME.test(key)) throw malformed(path, lineOf(lines, key));
    if (value !== undefined) variables[key] = value;
  }
  return variables;
}

/** How many lines after `at` a quoted value opened there spans (parseEnv's rule: to the next same quote). */
function quotedLines(lines: readonly string[], at: number, valueStart: number): number {
  const value = (lines[at] as string).slice(valueStart).trimStart();
  const quote = value[0];
  if (quote !== '"' && quote !== "'" && quote !== "`") return 0;
  if (value.indexOf(quote, 1) !== -1) return 0;
  for (let next = at + 1; next < lines.length; next++) if ((lines[next] as string).includes(quote)) return next - at;
  // Never closed: parseEnv reads the opening line as an unquoted value.
  return 0;
}

// The line is not quoted back: it may hold a secret.
const malformed = (path: string, line: number) =>
  new ConfigError(`${path} line ${line} is not a NAME=value assignment, a # comment or a blank line; fix or remove it.`);

function lineOf(lines: readonly string[], key: string): number {
  const first = key.split("\n")[0]?.trim() ?? "";
  const at = lines.findIndex((line) => line.trim().startsWith(first));
  return at === -1 ? 1 : at + 1;
}
