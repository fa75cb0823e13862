import { seedDatabase, type SeedCounts } from "../../../prisma/seeds/index.ts";
import { createDb } from "../../db/client.ts";
import { PrismaClient } from "../../generated/prisma/client.ts";

/**
 * The staging seed on a preview, over its direct URL with node-postgres (a preview is reached
 * from CI or a laptop, never from a Worker, so no driver choice is needed here).
 */
export async function seedPreview(directUrl: string, options: { iterations: number; log?: (line: string) => void }): Promise<SeedCounts> {
  const db = createDb(PrismaClient, { url: directUrl, driver: "pg" });
  try {
    return await seedDatabase(db, "staging", { iterations: options.iterations, ...(options.log && { log: options.log }) });
  } finally {
    await db.$disconnect();
  }
}
