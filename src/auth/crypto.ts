/**
 * Password hashing and session tokens through WebCrypto only, so the same code runs on Workers,
 * Vercel and Node.
 */
const encoder = new TextEncoder();
const PREFIX = "pbkdf2_sha256";
const SALT_BYTES = 16;
const KEY_BYTES = 32;

export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array {
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const toHex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Compares two byte strings in time that depends only on their length. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations }, key, KEY_BYTES * 8);
  return new Uint8Array(bits);
}

/** `pbkdf2_sha256$<iterations>$<salt>$<key>`: the iteration count travels with each hash. */
export async function hashPassword(password: string, iterations: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const key = await derive(password, salt, iterations);
  return [PREFIX, iterations, toBase64Url(salt), toBase64Url(key)].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [prefix, iterationsText, saltText, keyText] = stored.split("$");
  const iterations = Number(iterationsText);
  if (prefix !== PREFIX || !Number.isInteger(iterations) || iterations < 1 || !saltText || !keyText) return false;
  const expected = fromBase64Url(keyText);
  const actual = await derive(password, fromBase64Url(saltText), iterations);
  return timingSafeEqual(actual, expected);
}

/**
 * A hash of no one's password, checked when the email is unknown so that a login for a missing
 * account costs the same time as one with a wrong password.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(iterations: number): Promise<string> {
  decoy ??= hashPassword(toBase64Url(crypto.getRandomValues(new Uint8Array(16))), iterations);
  return decoy;
}

/** A session token: 32 random bytes, base64url. Only its SHA-256 is ever stored. */
export function newSessionToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}
