import { maskUrl } from "../env.ts";

/**
 * Secrets out of text that is about to be shown or stored (a CLI error, a job's error in JobRun and
 * in an alert): each known URL masked, and the passwords and keys it holds wherever they appear on
 * their own; plain secrets (API keys, cron secrets) replaced outright.
 */
export function redact(text: string, urls: readonly (string | undefined)[], secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join("****");
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
