import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { withEnvFile } from "./env-file.ts";
import { maskUrl } from "./env.ts";
import { findLocalDatabase, noLocalDatabase, usingLocalDatabase } from "./ops/embedded/local-database.ts";

/**
 * `npm run dev:worker`: the Worker (src/worker.ts) in `wrangler dev`, offline, on the database
 * `npm start` runs in another terminal. The database reaches the Worker as its Hyperdrive binding
 * (wrangler.toml's [[hyperdrive]]), through the variable wrangler reads for the binding's local
 * connection string, so no password appears on wrangler's command line or in its bindings table.
 * Arguments after `--` go to wrangler (`npm run dev:worker -- --port 8788`).
 */
const HYPERDRIVE_VARIABLE = "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE";

function localConnectionString(cwd: string): string {
  const given = process.env[HYPERDRIVE_VARIABLE]?.trim();
  if (given) {
    process.stderr.write(`Using ${HYPERDRIVE_VARIABLE}: ${maskUrl(given)}\n`);
    return given;
  }
  // EMBEDDED_PG_DIR as npm start reads it: the environment over .env.
  const lookup = findLocalDatabase({ cwd, env: withEnvFile(process.env, cwd) });
  if (!lookup.running) {
    process.stderr.write(`${noLocalDatabase(lookup, cwd, `or set ${HYPERDRIVE_VARIABLE} to a PostgreSQL URL`)}\n`);
    process.exit(1);
  }
  process.stderr.write(`${usingLocalDatabase(lookup, cwd)}\n`);
  return lookup.url;
}

/**
 * wrangler.toml's [vars] are production's: a local Worker is development unless the file wrangler
 * dev reads for local variables (.dev.vars, or .env without one) or a `--var` says otherwise.
 */
function appEnvDefault(cwd: string, args: string[]): string[] {
  if (args.some((arg) => /^APP_ENV:/.test(arg))) return [];
  const read = (file: string) => {
    try {
      return readFileSync(join(cwd, file), "utf8");
    } catch {
      return undefined;
    }
  };
  const local = read(".dev.vars") ?? read(".env") ?? "";
  return /^\s*(?:export\s+)?APP_ENV\s*=/m.test(local) ? [] : ["--var", "APP_ENV:development"];
}

const cwd = process.cwd();
const args = process.argv.slice(2);
const url = localConnectionString(cwd);
const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const child = spawn(process.execPath, [wrangler, "dev", ...appEnvDefault(cwd, args), ...args], {
  cwd,
  stdio: "inherit",
  env: {
    ...process.env,
    [HYPERDRIVE_VARIABLE]: url,
    // Offline: no usage metrics, and no request to Cloudflare for the `cf` object of requests.
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
  },
});
// Ctrl-C reaches wrangler through the terminal's process group; a signal sent to this process alone is passed on.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
