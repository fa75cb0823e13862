import { defineConfig } from "prisma/config";
import { pooledUrlRefusal } from "./src/db/url.ts";
import { withEnvFile } from "./src/env-file.ts";
import { ConfigError, loadEnv } from "./src/env.ts";
import { findLocalDatabase, usingLocalDatabase } from "./src/ops/embedded/local-database.ts";

// Prisma 7 reads no .env of its own: the environment over the project's .env, as npm start and
// dbctl read it. Migrations use the direct (unpooled) connection, as the database guide says:
// DIRECT_URL, checked by env.ts (a pooled or Accelerate one is refused, naming the direct host),
// else DATABASE_URL when it is not pooled; with neither set, the database npm start runs in
// another terminal. Prisma's `env()` helper would throw when a variable is unset, even for
// `prisma generate`, which needs no database: the placeholder only keeps generate working on a
// machine with no database at all.
const env = withEnvFile(process.env, process.cwd());

// Commands that never connect: `prisma generate` runs in postinstall, also on a Vercel build that
// may only have the pooled DATABASE_URL, so a pooled stand-in for DIRECT_URL is refused only
// where Prisma would connect with it.
const command = process.argv.slice(2).find((arg) => !arg.startsWith("-"));
const connects = command !== undefined && !["generate", "validate", "format", "version", "init"].includes(command);

function datasourceUrl(): string {
  // Only the URL used (DATABASE_URL only when DIRECT_URL is unset), as dbctl reads them.
  const direct = env.DIRECT_URL?.trim() || undefined;
  const config = loadEnv({ DIRECT_URL: direct, DATABASE_URL: direct ? undefined : env.DATABASE_URL });
  if (config.DIRECT_URL) return config.DIRECT_URL;
  if (config.DATABASE_URL) {
    const refusal = connects ? pooledUrlRefusal(config.DATABASE_URL) : undefined;
    if (refusal) throw new ConfigError(`DIRECT_URL is not set and DATABASE_URL ${refusal}; set DIRECT_URL to it.`);
    return config.DATABASE_URL;
  }
  const local = findLocalDatabase({ cwd: process.cwd(), env });
  if (!local.running) return "postgresql://localhost:5432/postgres";
  process.stderr.write(`${usingLocalDatabase(local, process.cwd())}\n`);
  return local.url;
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
    seed: "tsx prisma/seeds/index.ts dev",
  },
  datasource: { url: datasourceUrl() },
});
