/**
 * Every lint rule: its id (what a `-- lint-ignore` names), its severity, why the pattern is
 * dangerous and the safe recipe, in the manner of strong_migrations and squawk. The checks that
 * find them live in statement-rules.ts (one statement at a time) and migration-rules.ts (the
 * migration as a whole).
 */

export type Severity = "error" | "warning";

export interface RuleInfo {
  severity: Severity;
  /** One line for `--help`. */
  summary: string;
  why: string;
  fix: string;
}

export const RULES = {
  "create-index-without-concurrently": {
    severity: "error",
    summary: "CREATE INDEX without CONCURRENTLY on a table that existed before the migration.",
    why: "CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits until the index is built, minutes on a large table.",
    fix: "CREATE INDEX CONCURRENTLY, alone in its own migration (it cannot run inside a transaction). If it fails it leaves an INVALID index: DROP INDEX CONCURRENTLY it and try again.",
  },
  "drop-index-without-concurrently": {
    severity: "error",
    summary: "DROP INDEX without CONCURRENTLY on an index that existed before the migration.",
    why: "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: while it waits for running queries, every read and write of that table queues behind it.",
    fix: "DROP INDEX CONCURRENTLY, alone in its own migration; first make sure no query plan or constraint still needs the index.",
  },
  "add-not-null-column-without-default": {
    severity: "error",
    summary: "ADD COLUMN ... NOT NULL without a DEFAULT on an existing table.",
    why: "Adding a NOT NULL column without a default fails on any table that has rows (existing rows would be NULL), and the code running in production does not write the column yet.",
    fix: "Add the column nullable, or NOT NULL with a constant DEFAULT (PostgreSQL >= 11 stores a constant default without rewriting the table). To make a nullable column NOT NULL: backfill it in batches, ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET NOT NULL.",
  },
  "add-column-volatile-default": {
    severity: "error",
    summary: "ADD COLUMN whose value is computed per row (volatile default, serial, identity, stored generated) on an existing table.",
    why: "A volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval()), a serial or identity column or a stored generated column is computed for every row, so PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it is done. (A constant default, or a stable one such as now() or CURRENT_TIMESTAMP, is stored once and is instant on PostgreSQL >= 11.)",
    fix: "Add the column without the default (nullable); ALTER COLUMN ... SET DEFAULT so that new rows get it; backfill existing rows in small batches; then make it NOT NULL with the CHECK ... NOT VALID recipe if it must be.",
  },
  "set-not-null": {
    severity: "error",
    summary: "ALTER COLUMN ... SET NOT NULL on an existing column.",
    why: "SET NOT NULL scans the whole table for NULLs while holding an ACCESS EXCLUSIVE lock: reads and writes stop until the scan ends.",
    fix: "ADD CONSTRAINT name CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT name in a later migration (its lock lets reads and writes through); then SET NOT NULL, which PostgreSQL >= 12 proves from the valid check without a scan (this lint then accepts it), and drop the check.",
  },
  "constraint-without-not-valid": {
    severity: "error",
    summary: "ADD CONSTRAINT ... FOREIGN KEY or CHECK (or an inline REFERENCES/CHECK) without NOT VALID on an existing table.",
    why: "Adding a foreign key or check constraint checks every existing row while holding a lock that blocks writes (ACCESS EXCLUSIVE for a check; SHARE ROW EXCLUSIVE on both tables for a foreign key).",
    fix: "ADD CONSTRAINT ... NOT VALID (instant; new and updated rows are checked from then on), then ALTER TABLE ... VALIDATE CONSTRAINT ... in a later migration: validating takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes go on.",
  },
  "validate-in-same-migration": {
    severity: "error",
    summary: "VALIDATE CONSTRAINT in the same migration that added the constraint NOT VALID.",
    why: "A migration runs in one transaction, so the strong lock taken by ADD CONSTRAINT ... NOT VALID is still held while VALIDATE scans the table: NOT VALID gains nothing.",
    fix: "Move the VALIDATE CONSTRAINT into a later migration.",
  },
  "unique-constraint-without-index": {
    severity: "error",
    summary: "ADD CONSTRAINT ... UNIQUE or PRIMARY KEY not built USING INDEX on an existing table.",
    why: "Adding a UNIQUE or PRIMARY KEY constraint builds its index while holding an ACCESS EXCLUSIVE lock: reads and writes stop for the whole build.",
    fix: "CREATE UNIQUE INDEX CONCURRENTLY name ON table (cols) alone in one migration; then, in a later migration, ALTER TABLE table ADD CONSTRAINT name UNIQUE USING INDEX name (PRIMARY KEY USING INDEX for a key), which is instant.",
  },
  "rename-column": {
    severity: "error",
    summary: "RENAME COLUMN on an existing table.",
    why: "Renaming a column breaks every running instance of the application that still uses the old name, from the moment the migration commits until the new code runs everywhere (serverless deploys overlap).",
    fix: "Rename in steps: add the new column and copy the data (UPDATE ... SET new = old); deploy code that writes both; SET NOT NULL if needed; deploy code that reads only the new column; drop the old column in a later migration.",
  },
  "rename-table": {
    severity: "error",
    summary: "ALTER TABLE ... RENAME TO on an existing table.",
    why: "Renaming a table breaks every running instance of the application that still queries the old name until the new code runs everywhere.",
    fix: "Rename in steps: create the new table, write to both and backfill, switch reads, drop the old table in a later migration. Or rename and, in the same migration, CREATE VIEW old_name AS SELECT * FROM new_name so old code keeps working; drop the view once it is gone.",
  },
  "drop-column": {
    severity: "error",
    summary: "DROP COLUMN on an existing table.",
    why: "Code still running may read or write the column (Prisma names every column of a model in its queries), so requests fail until every instance runs new code; and the data is gone: no rollback brings it back.",
    fix: "Drop in phases: remove the field from schema.prisma and the code and deploy that first; drop the column in a later migration, once no running version uses it (back the data up first if it may be needed).",
  },
  "drop-table": {
    severity: "error",
    summary: "DROP TABLE on a table that existed before the migration.",
    why: "Code still running may query the table, so requests fail until every instance runs new code; and the data is gone: no rollback brings it back.",
    fix: "Drop in phases: remove the model from schema.prisma and the code and deploy that first; drop the table in a later migration, once no running version uses it (back the data up first if it may be needed).",
  },
  "alter-column-type": {
    severity: "error",
    summary: "ALTER COLUMN ... TYPE on an existing table.",
    why: "Changing a column's type usually rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock (only binary-compatible changes such as varchar(n) to text or to a longer varchar are exempt), and code still running may not handle the new type.",
    fix: "Change it in steps, like a rename: add a column of the new type, write to both and backfill in batches, switch reads, then drop the old column in a later migration.",
  },
  "concurrently-not-alone": {
    severity: "error",
    summary: "A CONCURRENTLY statement (or another that cannot run in a transaction) sharing its migration with other statements.",
    why: "CREATE/DROP INDEX CONCURRENTLY and the other CONCURRENTLY forms cannot run inside a transaction block: next to other statements the migration either fails, or, run outside a transaction, stops halfway and leaves the schema partly changed.",
    fix: "Give each CONCURRENTLY statement a migration of its own.",
  },
  "vague-migration-name": {
    severity: "warning",
    summary: "A migration name that does not say what it changes (update_schema, fix, wip, migration1, ...).",
    why: "A vague name tells nobody what the migration changes: reviews, bisecting and rollbacks by name become guesswork.",
    fix: "Before it is applied anywhere, rename the folder after its one change: add_user_avatar_column, create_invoice_table, index_note_user_id.",
  },
  "unrelated-tables": {
    severity: "warning",
    summary: "A migration that changes several unrelated tables.",
    why: "Changes to unrelated tables in one migration cannot be reviewed, deployed or rolled back on their own, and a failure in one part blocks the others.",
    fix: "Split it: one logical change per migration. (Tables linked by a statement of the migration, such as a foreign key it creates, count as one change.)",
  },
  "applied-migration-modified": {
    severity: "error",
    summary: "A migration file changed after it was applied (database checksum, or git history without a database).",
    why: "Databases ran the old version of this file: those migrated before and after the edit now differ, and `prisma migrate dev` will want to reset development databases.",
    fix: "Restore the file exactly as it was applied (from git) and put the change in a new migration.",
  },
  "suppression-missing-reason": {
    severity: "error",
    summary: "A `-- lint-ignore rule-id` without `: reason`; it suppresses nothing.",
    why: "A suppression without a reason hides a known risk with no record of why it is acceptable.",
    fix: "Write `-- lint-ignore rule-id: reason` on the line above the statement, e.g. `-- lint-ignore create-index-without-concurrently: the table holds at most 50 rows`.",
  },
  "suppression-unknown-rule": {
    severity: "warning",
    summary: "A `-- lint-ignore` naming a rule that does not exist.",
    why: "A suppression naming no known rule suppresses nothing; it is usually a typo.",
    fix: "Name one of the rule ids that `dbctl migrate lint --help` lists.",
  },
  "syntax-error": {
    severity: "error",
    summary: "PostgreSQL cannot parse the migration.",
    why: "The migration will fail when it is deployed, and nothing in it could be checked.",
    fix: "Fix the SQL; the parser is PostgreSQL's own.",
  },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

export const isRuleId = (id: string): id is RuleId => Object.hasOwn(RULES, id);
