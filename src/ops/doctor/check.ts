/**
 * What a doctor check is and says. Each group file (connections.ts, migrations.ts, ...) exports
 * its checks; index.ts runs them over one DoctorFacts (facts.ts) with a time limit each.
 */

export type CheckStatus = "pass" | "warn" | "fail";

/** The groups, in the order the guide's Environment Checklist names them. */
export const GROUPS = ["connections", "migrations", "backups", "recovery", "monitoring", "retention"] as const;
export type CheckGroup = (typeof GROUPS)[number];

/** What one check found: its verdict, one line of advice, and the facts behind it for --json. */
export interface CheckOutcome {
  status: CheckStatus;
  /** One line: what is wrong and what to do, or what was found. */
  advice: string;
  detail?: Record<string, unknown>;
}

export interface CheckResult extends CheckOutcome {
  group: CheckGroup;
  name: string;
}

export interface DoctorCheck<F> {
  group: CheckGroup;
  name: string;
  run(facts: F): Promise<CheckOutcome> | CheckOutcome;
}

export const pass = (advice: string, detail?: Record<string, unknown>): CheckOutcome => outcome("pass", advice, detail);
export const warn = (advice: string, detail?: Record<string, unknown>): CheckOutcome => outcome("warn", advice, detail);
export const fail = (advice: string, detail?: Record<string, unknown>): CheckOutcome => outcome("fail", advice, detail);

function outcome(status: CheckStatus, advice: string, detail?: Record<string, unknown>): CheckOutcome {
  return detail ? { status, advice, detail } : { status, advice };
}

/**
 * The guide's rule for a production environment, softened where it cannot apply: development and
 * test run on npm start's local database, which is not pooled, has no TLS and is backed up by hand.
 */
export const failInProduction = (environment: string, advice: string, detail?: Record<string, unknown>): CheckOutcome =>
  environment === "production" || environment === "staging" ? fail(advice, detail) : warn(advice, detail);
