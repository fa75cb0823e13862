import { defineConfig } from "prisma/config";
import { withEnvFile } from "./src/env-file.ts";
import { findLocalDatabase, usingLocalDatabase } from "./src/ops/embedded/local-database.ts";

// Prisma 7 reads no .env of its own: the environment over the project's .env, as npm start and
// dbctl read it. Migrations use the direct (unpooled) connection, as the database guide says;
// with neither URL set, the database npm start runs in another terminal. Prisma's `env()` helper
// would throw when a variable is unset, even for `prisma generate`, which needs no database: the
// placeholder only keeps generate working on a machine with no database at all.
const env = withEnvFile(process.env, process.cwd());

function datasourceUrl(): string {
  const configured = env.DIRECT_URL?.trim() || env.DATABASE_URL?.trim();
  if (configured) return configured;
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
