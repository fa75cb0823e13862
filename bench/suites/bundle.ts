import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { bundleSize } from "../bundle-size.ts";
import { figure, type Target } from "../figures.ts";
import type { BenchContext, Suite } from "../suite.ts";
import { bundleWorker } from "../worker/workerd.ts";

/**
 * Item 8: the Worker bundle's size, raw and gzip (what Cloudflare's limit reads), for each of
 * Prisma's `compilerBuild`s. "small" is what prisma/schema.prisma's workerd generator uses: its
 * bundle is the checkout's own dry run. "fast" is built in a temporary copy of the project (its
 * schema changed, its client generated there), so the checkout's generated client is never touched.
 * Sizes do not vary between runs: one build each is the figure.
 */
const GZIP_BUDGET: Target = { of: "value", bound: "max", limit: 1331 };
const BUILDS = ["small", "fast"] as const;
type Build = (typeof BUILDS)[number];
const PROJECT_FILES = ["src", "prisma", "wrangler.toml", "package.json", "tsconfig.json", "prisma.config.ts"];

const run = promisify(execFile);
const kib = (bytes: number) => bytes / 1024;

export const bundleSuite: Suite = {
  name: "bundle",
  async run(ctx) {
    const figures = [];
    for (const build of BUILDS) {
      const outdir = join(ctx.workDir, `bundle-${build}`);
      ctx.log(`  bundling the Worker with compilerBuild "${build}" ...`);
      if (build === schemaBuild(process.cwd())) await bundleWorker(outdir);
      else await inProjectCopy(ctx, build, (copy) => bundleWorker(outdir, undefined, copy));
      const size = bundleSize(outdir);
      if (size.files.length === 0) throw new Error(`wrangler wrote no .js or .wasm to ${outdir}`);
      const wasm = size.files.find((f) => f.name.endsWith(".wasm"));
      const note = `${size.files.length} files; the query compiler's WASM ${wasm ? `${kib(wasm.gzipBytes).toFixed(0)} KiB gzip` : "not found"}${build === "small" ? "; the schema's build" : ""}`;
      figures.push(
        figure(`worker bundle gzip (${build})`, "KiB", [{ ours: kib(size.gzipBytes) }], GZIP_BUDGET, note),
        figure(`worker bundle raw (${build})`, "KiB", [{ ours: kib(size.bytes) }]),
      );
    }
    return figures;
  },
};

/** The compilerBuild of the schema's workerd generator block. */
function schemaBuild(root: string): Build {
  const block = workerdBlock(readFileSync(join(root, "prisma/schema.prisma"), "utf8"));
  return (block.match(/compilerBuild\s*=\s*"(\w+)"/)?.[1] as Build | undefined) ?? "fast";
}

function workerdBlock(schema: string): string {
  const block = schema.match(/generator\s+workerd\s*\{[^}]*\}/)?.[0];
  if (!block) throw new Error("prisma/schema.prisma has no `generator workerd` block");
  return block;
}

/** The project copied to a temporary folder (node_modules linked), its workerd client generated with `build`. */
async function inProjectCopy(ctx: BenchContext, build: Build, work: (copy: string) => Promise<void>): Promise<void> {
  const root = process.cwd();
  const copy = mkdtempSync(join(tmpdir(), `bench-bundle-${build}-`));
  try {
    for (const file of PROJECT_FILES) cpSync(join(root, file), join(copy, file), { recursive: true });
    symlinkSync(resolve(root, "node_modules"), join(copy, "node_modules"));
    const schemaPath = join(copy, "prisma/schema.prisma");
    const schema = readFileSync(schemaPath, "utf8");
    const block = workerdBlock(schema);
    const changed = /compilerBuild\s*=/.test(block) ? block.replace(/compilerBuild\s*=\s*"\w+"/, `compilerBuild = "${build}"`) : block.replace(/\}$/, `  compilerBuild = "${build}"\n}`);
    writeFileSync(schemaPath, schema.replace(block, changed));
    await run("npx", ["prisma", "generate", "--generator", "workerd"], {
      cwd: copy,
      // Offline: generate needs no schema engine, and Prisma's update check stays off.
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true", CHECKPOINT_DISABLE: "1" },
    });
    await work(copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
    ctx.log(`  (removed the temporary project copy for "${build}")`);
  }
}
