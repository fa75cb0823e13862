import type { RuleId } from "./rules.ts";

/** What the rules share: a finding before it is placed, and what a migration has done so far. */

export interface RawFinding {
  rule: RuleId;
  /** What this statement does wrong, naming its objects. */
  message: string;
}

/** What earlier migrations left that changes a verdict: NOT NULL checks, added and validated. */
export interface Knowledge {
  /** Keyed by table and constraint name. */
  notNullChecks: Map<string, { table: string; column: string; validated: boolean }>;
}

export const emptyKnowledge = (): Knowledge => ({ notNullChecks: new Map() });
export const copyKnowledge = (k: Knowledge): Knowledge => ({ notNullChecks: new Map([...k.notNullChecks].map(([key, v]) => [key, { ...v }])) });

/** An UPDATE or DELETE of rows that existed before the migration (a DO block counts by its body). */
export interface Backfill {
  /** Index of the statement in the migration. */
  index: number;
  line: number;
  /** The table whose rows it changes ("" when a DO block's dynamic SQL hides it). */
  table: string;
  /** What it is, for messages: `UPDATE "User"`, `a DO block that runs UPDATE "User"`. */
  what: string;
}

/** What the statements before this one in the same migration did. */
export interface MigrationState {
  createdTables: Set<string>;
  /** Index name -> table, for indexes created in this migration. */
  createdIndexes: Map<string, string>;
  /** Table + constraint name of constraints added NOT VALID in this migration. */
  addedNotValid: Set<string>;
  /** Types and domains created in this migration (by unqualified name): no column uses them yet. */
  createdTypes: Set<string>;
  /**
   * Existing tables this migration has locked against writes (SHARE or stronger), with the first
   * statement that did (`what`: e.g. `ALTER TABLE "Note"`, and its line). The lock is held until
   * the migration commits, so whatever runs after it, and however long, runs with the table locked.
   */
  lockedTables: Map<string, { what: string; line: number }>;
  /** UPDATE/DELETE statements on existing tables, judged once the whole migration is known. */
  backfills: Backfill[];
  /** The migration runs outside a transaction, statement by statement (it holds a CONCURRENTLY form, VACUUM, ...). */
  outsideTransaction: boolean;
  knowledge: Knowledge;
}

export const newState = (knowledge: Knowledge, options: { outsideTransaction?: boolean } = {}): MigrationState => ({
  createdTables: new Set(),
  createdIndexes: new Map(),
  addedNotValid: new Set(),
  createdTypes: new Set(),
  lockedTables: new Map(),
  backfills: [],
  outsideTransaction: options.outsideTransaction ?? false,
  knowledge,
});
