import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Which file Vercel serves is the Hono builder's choice, made by reading sources: the first of
 * its candidate paths whose text imports "hono" (src/index.ts's header says why that matters
 * here). The builder the pinned vercel CLI ships is asked directly, on this checkout's files.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);

interface FileRef { fsPath: string }
const { glob } = require("@vercel/build-utils") as { glob(pattern: string, cwd: string): Promise<Record<string, FileRef>> };
const hono = require("@vercel/hono") as {
  entrypointCallback(args: { files: Record<string, FileRef>; workPath: string; config: Record<string, unknown> }): Promise<string>;
};

describe("Vercel's zero-config Hono detection", () => {
  it("takes src/index.ts, not src/app.ts (which exports createApp, not an app)", async () => {
    // Both are candidates; the builder reads every candidate path itself and looks at package.json's main only when none fits.
    expect(Object.keys(await glob("src/{app,index}.ts", ROOT)).sort()).toEqual(["src/app.ts", "src/index.ts"]);
    const files = await glob("package.json", ROOT);
    expect(await hono.entrypointCallback({ files, workPath: ROOT, config: {} })).toBe("src/index.ts");
  });
});
