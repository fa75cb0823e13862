import { ConfigError } from "../env.ts";
import { OpsError } from "../ops/errors.ts";
import { redact } from "../ops/redact.ts";
import { sentence } from "../ops/text.ts";
import { CliError } from "./command.ts";

/**
 * The one place any failure becomes what the user sees: one sentence on stderr, and under
 * --json the same error as a JSON document on stdout: `{"error":{"code","message","details"?}}`.
 * Errors of the operations library (OpsError) carry their code, sentence and details; anything
 * else (a driver error, a bug) gets a code by its kind. No secret survives: every URL the run
 * knew is masked, with the passwords and keys it holds.
 */
export interface RenderedError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  exitCode: 1 | 2;
}

export function describeError(error: unknown, secretUrls: readonly (string | undefined)[]): RenderedError {
  const described = classify(error);
  const message = sentence(redact(described.message, secretUrls));
  const details = described.details && (JSON.parse(redact(JSON.stringify(described.details), secretUrls)) as Record<string, unknown>);
  return { ...described, message, ...(details && { details }) };
}

export function renderError(error: unknown, options: { json: boolean; secretUrls: readonly (string | undefined)[]; stdout: (text: string) => void; stderr: (text: string) => void }): 1 | 2 {
  const { exitCode, ...body } = describeError(error, options.secretUrls);
  if (options.json) options.stdout(JSON.stringify({ error: body }, null, 2));
  options.stderr(body.message);
  return exitCode;
}

function classify(error: unknown): RenderedError {
  if (error instanceof CliError) return withDetails({ code: error.code, message: error.message, exitCode: error.exitCode }, error.details);
  if (error instanceof OpsError) return withDetails({ code: error.code, message: error.message, exitCode: 1 }, error.details);
  if (error instanceof ConfigError) return { code: "INVALID_CONFIG", message: error.message, exitCode: 1 };
  const e = error as { message?: unknown; code?: unknown } | null;
  const text = typeof e?.message === "string" && e.message ? e.message : String(error);
  if (typeof e?.code === "string" && /^(E[A-Z]+|[0-9A-Z]{5})$/.test(e.code)) {
    // node-postgres and socket errors: the database or the network said no.
    return { code: "DATABASE_ERROR", message: `The database operation failed: ${text}`, exitCode: 1 };
  }
  if (error instanceof TypeError && /Invalid URL/i.test(text)) {
    return { code: "INVALID_URL", message: "The database URL is not a valid connection string.", exitCode: 1 };
  }
  return { code: "FAILED", message: text, exitCode: 1 };
}

const withDetails = (rendered: RenderedError, details: Record<string, unknown> | undefined): RenderedError => (details ? { ...rendered, details } : rendered);

/** Replaces each URL by its masked form, then any password or key it holds wherever it appears alone. */
