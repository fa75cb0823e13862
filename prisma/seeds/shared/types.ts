import type { Db } from "../../../src/db/client.ts";

export type { Db };

export interface SeedOptions {
  /** PBKDF2 iterations for the seeded passwords (PBKDF2_ITERATIONS). */
  iterations: number;
  adminEmail?: string;
  adminPassword?: string;
  log?: (line: string) => void;
  /** The clock the seeded timestamps are relative to; tests pin it. */
  now?: Date;
}

/** Rows inserted by this run, per table: all zero when the seed had already run. */
export interface SeedCounts {
  users: number;
  projects: number;
  notes: number;
  errorLogs: number;
  performanceMetrics: number;
}

export const NO_ROWS: SeedCounts = Object.freeze({ users: 0, projects: 0, notes: 0, errorLogs: 0, performanceMetrics: 0 });

/** A seed that cannot run as asked (missing admin credentials, ...); its message is for the operator. */
export class SeedError extends Error {
  override name = "SeedError";
}
