#!/usr/bin/env node
// dbctl's launcher. The CLI is TypeScript (src/cli); tsx, a runtime dependency, compiles it on
// load, so `npx dbctl` works right after `npm ci` with no build step. Registering tsx in this
// process (rather than spawning `tsx`) keeps one process, its exit code and its signals.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

// The project's tsconfig, whatever directory dbctl is started from.
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("../src/cli/main.ts");
// exitCode, not process.exit(): output piped to another process is flushed before exit.
process.exitCode = await main(process.argv.slice(2));
