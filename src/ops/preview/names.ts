import { createHash } from "node:crypto";
import { isPreviewBranchName } from "../recovery/provider.ts";

/**
 * A git branch's preview database branch: `preview/<git branch>`, the git branch as it is (case
 * and slashes kept), which is how Neon's Vercel integration and its GitHub Actions templates name
 * them (neondatabase/preview-branches-with-vercel: `preview/${{ github.head_ref }}`-style names).
 * Neon takes any name, but both providers here take `[A-Za-z0-9._-]` segments and 63 characters,
 * so a git branch outside that (spaces, unicode, very long) has what does not fit replaced and a
 * hash of the whole git branch appended: the same git branch always gives the same name, and two
 * git branches that differ only in replaced characters still give two names.
 */

export const PREVIEW_PREFIX = "preview/";
const MAX_LENGTH = 63;
const HASH_LENGTH = 8;

export function previewBranchName(gitBranch: string): string {
  const plain = gitBranch.replace(/^refs\/heads\//, "");
  const direct = `${PREVIEW_PREFIX}${plain}`;
  if (isPreviewBranchName(direct)) return direct;
  const hash = createHash("sha256").update(plain).digest("hex").slice(0, HASH_LENGTH);
  const segments = plain
    .replace(/[^A-Za-z0-9._/-]+/g, "-")
    .split("/")
    .map((segment) => segment.replace(/^[^A-Za-z0-9]+/, ""))
    .filter((segment) => segment !== "");
  const room = MAX_LENGTH - PREVIEW_PREFIX.length - HASH_LENGTH - 1;
  const body = segments.join("/").slice(0, room).replace(/[/._-]+$/, "");
  const name = body ? `${PREVIEW_PREFIX}${body}-${hash}` : `${PREVIEW_PREFIX}${hash}`;
  return isPreviewBranchName(name) ? name : `${PREVIEW_PREFIX}${hash}`;
}

/** The git branch a preview was named after, as far as its name says (exactly, unless it was shortened). */
export function gitBranchOf(previewName: string): string | undefined {
  return previewName.startsWith(PREVIEW_PREFIX) ? previewName.slice(PREVIEW_PREFIX.length) : undefined;
}
