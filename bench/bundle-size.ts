import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * The Worker bundle's size, raw and gzip, per file of a `wrangler deploy --dry-run --outdir`
 * folder (source maps and the README wrangler writes are not uploaded, so they do not count).
 * `--max-gzip-kib N` fails when the gzip total is over N KiB: .ci/run holds the bundle to the
 * issue's 1.3 MiB (1331 KiB) this way. Cloudflare's own limit is on the compressed size too.
 *
 *   npx tsx bench/bundle-size.ts <outdir> [--max-gzip-kib 1331] [--json]
 */

export interface BundleFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}

export interface BundleSize {
  files: BundleFile[];
  bytes: number;
  gzipBytes: number;
}

const UPLOADED = /\.(js|mjs|wasm)$/;

export function bundleSize(outdir: string): BundleSize {
  const files = readdirSync(outdir)
    .filter((name) => UPLOADED.test(name) && statSync(join(outdir, name)).isFile())
    .map((name) => {
      const content = readFileSync(join(outdir, name));
      return { name, bytes: content.length, gzipBytes: gzipSync(content).length };
    })
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  return { files, bytes: files.reduce((sum, f) => sum + f.bytes, 0), gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function main(argv: string[]): number {
  const [outdir, ...rest] = argv;
  if (!outdir) {
    process.stderr.write("usage: tsx bench/bundle-size.ts <outdir> [--max-gzip-kib N] [--json]\n");
    return 2;
  }
  const maxAt = rest.indexOf("--max-gzip-kib");
  const max = maxAt >= 0 ? Number(rest[maxAt + 1]) : undefined;
  if (max !== undefined && !(max > 0)) {
    process.stderr.write("--max-gzip-kib needs a positive number of KiB\n");
    return 2;
  }
  const size = bundleSize(outdir);
  if (size.files.length === 0) {
    process.stderr.write(`${outdir} holds no .js or .wasm file: build it with wrangler deploy --dry-run --outdir ${outdir}\n`);
    return 1;
  }
  if (rest.includes("--json")) process.stdout.write(`${JSON.stringify(size, null, 2)}\n`);
  else {
    for (const file of size.files) process.stdout.write(`${kib(file.bytes).padStart(12)} ${kib(file.gzipBytes).padStart(12)} gzip  ${file.name}\n`);
    process.stdout.write(`${kib(size.bytes).padStart(12)} ${kib(size.gzipBytes).padStart(12)} gzip  total\n`);
  }
  if (max !== undefined && size.gzipBytes > max * 1024) {
    process.stderr.write(`The Worker bundle is ${kib(size.gzipBytes)} gzip, over the budget of ${max} KiB.\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
