import { maskUrl } from "../env.ts";
import { MigrationError } from "../ops/migrations/deploy.ts";
import { CliError } from "./command.ts";

/**
 * Turns any failure into what the user sees: one line, one error code, no secret. Known errors
 * already carry a sentence; anything else (a driver error, a bug) gets a short prefix.
 */
export interface Reported {
  code: string;
  message: string;
  exitCode: 1 | 2;
}

export function describeError(error: unknown, secretUrls: readonly (string | undefined)[]): Reported {
  const reported = classify(error);
  return { ...reported, message: oneLine(redact(reported.message, secretUrls)) };
}

function classify(error: unknown): Reported {
  if (error instanceof CliError) return { code: error.code, message: error.message, exitCode: error.exitCode };
  if (error instanceof MigrationError) return { code: error.code, message: error.message, exitCode: 1 };
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

const oneLine = (text: string) => {
  const flat = text.replace(/\s*\n\s*/g, " ").trim();
  return /[.!?]$/.test(flat) ? flat : `${flat}.`;
};

/** Replaces each URL by its masked form, then any password or key it holds wherever it appears alone. */
export function redact(text: string, urls: readonly (string | undefined)[]): string {
  let out = text;
  for (const url of urls) {
    if (!url) continue;
    out = out.split(url).join(maskUrl(url));
    for (const secret of secretsOf(url)) out = out.split(secret).join("****");
  }
  return out;
}

function secretsOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    // A password equal to the user name (postgres:postgres) is no secret, and hiding it would
    // blank out every "postgres" in the message.
    const secrets = parsed.password === parsed.username ? [] : [parsed.password, safeDecode(parsed.password)];
    for (const [key, value] of parsed.searchParams) if (/key|password|secret|token/i.test(key)) secrets.push(value);
    // Very short "secrets" would blank out ordinary words; they are not worth hiding that way.
    return [...new Set(secrets)].filter((s) => s.length >= 4);
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
