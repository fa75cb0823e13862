import { defineConfig } from "prisma/config";

// Prisma's `env()` helper throws when a variable is unset, even for `prisma generate`, which needs
// no database. Migrations use the direct (unpooled) connection, as the database guide says; the
// placeholder only keeps generate working on a machine with no database configured.
const directUrl =
  process.env.DIRECT_URL ?? process.env.DATABASE_URL ?? "postgresql://localhost:5432/postgres";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
    seed: "tsx prisma/seeds/index.ts dev",
  },
  datasource: { url: directUrl },
});
