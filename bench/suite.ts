import type { EmbeddedServer } from "../src/ops/embedded/postgres.ts";
import type { Dataset } from "./dataset.ts";
import type { Figure } from "./figures.ts";

/**
 * One part of `npm run bench`. A suite gets the run's PostgreSQL and its loaded data set, measures
 * ours beside the floor, and answers its figures; it starts (and stops) anything else it needs.
 * A suite that changes the data (retention deletes rows) works on a copy of its own.
 */
export interface BenchContext {
  quick: boolean;
  /** How many times each figure is measured (its median is reported). */
  runs: number;
  /** The run's embedded PostgreSQL. */
  server: EmbeddedServer;
  /** The loaded, migrated benchmark database, and what is in it. */
  dataset: Dataset;
  /** A folder of the run's own for scratch files (dumps, archives), removed afterwards. */
  workDir: string;
  /** A progress line on stderr (the table goes to stdout). */
  log(line: string): void;
}

export interface Suite {
  name: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}
