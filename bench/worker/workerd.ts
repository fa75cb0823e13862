import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";

/**
 * Workers for the bench, run as Cloudflare would run them: wrangler bundles each entry exactly as
 * `wrangler deploy` does (a dry run into a folder), and each start is a fresh Miniflare, so a
 * fresh workerd process that compiles and evaluates the script anew: a cold start every time.
 */
const run = promisify(execFile);

/** Bundles a wrangler config's Worker (wrangler.toml's unless `config` names another) into `outdir`. */
export async function bundleWorker(outdir: string, config?: string, cwd = process.cwd()): Promise<void> {
  await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir, ...(config ? ["--config", config] : [])], {
    cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    maxBuffer: 16 * 1024 * 1024,
  });
}

export interface WorkerScript {
  outdir: string;
  /** The main module's file, in outdir. */
  main: string;
  bindings: Record<string, string>;
  ratelimits?: Record<string, { simple: { limit: number; period: 10 | 60 } }>;
}

export interface RunningWorker {
  /** workerd's HTTP address (Miniflare's entry, which routes to the Worker). */
  url: string;
  /** From `new Miniflare` to workerd listening: the process's start, the script's compilation and evaluation. */
  readyMs: number;
  dispose(): Promise<void>;
}

/** wrangler.toml's compatibility settings (both bench Workers use the same). */
const COMPATIBILITY = { compatibilityDate: "2026-04-20", compatibilityFlags: ["nodejs_compat"] };

export async function startWorkerd(script: WorkerScript): Promise<RunningWorker> {
  const began = performance.now();
  const mf = new Miniflare({
    ...COMPATIBILITY,
    modules: true,
    scriptPath: join(script.outdir, script.main),
    modulesRoot: script.outdir,
    modulesRules: [
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "ESModule", include: ["**/*.js"] },
    ],
    bindings: script.bindings,
    ...(script.ratelimits && { ratelimits: script.ratelimits }),
    host: "127.0.0.1",
    port: 0,
  });
  const url = await mf.ready;
  return { url: url.origin, readyMs: performance.now() - began, dispose: () => mf.dispose() };
}

/** A Worker that answers at once and imports nothing: what starting workerd costs without a script to speak of. */
export function writeEmptyWorker(outdir: string): WorkerScript {
  writeFileSync(join(outdir, "empty.js"), "export default { fetch: () => new Response('ok') };\n");
  return { outdir, main: "empty.js", bindings: {} };
}
