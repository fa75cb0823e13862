import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { maskUrl } from "../../src/env.ts";
import { seed as seedDev } from "./dev.ts";
import { seed as seedProd } from "./prod.ts";
import { seed as seedStaging } from "./staging.ts";
import { SeedError, type Db, type SeedCounts, type SeedOptions } from "./shared/types.ts";

/**
 * Seeds by environment. Importing this file does nothing: `npm start` calls seedDatabase()
 * in-process; run directly (`tsx prisma/seeds/index.ts dev|staging|prod`, the db:seed:* scripts
 * and Prisma's seed command) it reads the environment over `.env`, connects with DATABASE_URL
 * (else DIRECT_URL, else the database `npm start` runs in another terminal) and seeds.
 */
export type { SeedCounts, SeedOptions };
export { SeedError };

export const SEED_KINDS = ["dev", "staging", "prod"] as const;
export type SeedKind = (typeof SEED_KINDS)[number];

const SEEDS: Record<SeedKind, (db: Db, options: SeedOptions) => Promise<SeedCounts>> = {
  dev: seedDev,
  staging: seedStaging,
  prod: seedProd,
};

export function seedDatabase(db: Db, kind: SeedKind, options: SeedOptions): Promise<SeedCounts> {
  return SEEDS[kind](db, options);
}

const kindSchema = z.enum(SEED_KINDS);

/** The URL the command line connects to, masked in its error message. */
let secretUrl: string | undefined;

async function runFromCommandLine(args: string[]): Promise<number> {
  const [{ loadEnv }, { withEnvFile }, local, { createDb, dbOptions }, { PrismaClient }] = await Promise.all([
    import("../../src/env.ts"),
    import("../../src/env-file.ts"),
    import("../../src/ops/embedded/local-database.ts"),
    import("../../src/db/client.ts"),
    import("../../src/generated/prisma/client.ts"),
  ]);
  const kind = kindSchema.safeParse(args[0]);
  if (!kind.success || args.length !== 1) throw new SeedError("Usage: tsx prisma/seeds/index.ts dev|staging|prod (one argument, the environment to seed).");
  const cwd = process.cwd();
  const raw = withEnvFile(process.env, cwd);
  const env = loadEnv(raw);
  let url = env.DATABASE_URL ?? env.DIRECT_URL;
  if (!url) {
    const found = local.findLocalDatabase({ cwd, env: raw });
    if (!found.running) throw new SeedError(local.noLocalDatabase(found, cwd, "or set DATABASE_URL to the database to seed"));
    console.error(local.usingLocalDatabase(found, cwd));
    url = found.url;
  }
  secretUrl = url;
  if (kind.data !== "prod" && env.APP_ENV === "production") {
    throw new SeedError(`Refusing to load ${kind.data} data with APP_ENV=production; only the prod seed may run there.`);
  }
  // Node 20 has no global WebSocket, which the Neon driver needs.
  const { default: ws } = await import("ws");
  const db = createDb(PrismaClient, { ...dbOptions(env, url), webSocketConstructor: ws });
  try {
    await seedDatabase(db, kind.data, {
      iterations: env.PBKDF2_ITERATIONS,
      adminEmail: env.SEED_ADMIN_EMAIL,
      adminPassword: env.SEED_ADMIN_PASSWORD,
      log: (line) => console.log(line),
    });
    return 0;
  } finally {
    await db.$disconnect();
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  runFromCommandLine(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      // One sentence, never a stack; ConfigError and SeedError messages name the variable to fix.
      let message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ").trim();
      if (secretUrl) message = message.split(secretUrl).join(maskUrl(secretUrl));
      console.error(message);
      process.exitCode = 1;
    },
  );
}
