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
  /**
   * The folder timestamp of the first migration the rule judges, for a rule added after
   * migrations that break it were applied: an applied migration cannot change (its checksum is
   * recorded), so the earlier ones are reported as suppressed, as strong_migrations' start_after.
   */
  since?: string;
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
    why: "A volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval()), a serial or identity column or a stored generated column is computed for every row, so PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it is done. (A constant default, or a stable one such as now() or CURRENT_TIMESTAMP, is stored once and is instant on PostgreSQL >= 11. A function lint does not know, such as one of your own, is reported too: only the database knows its volatility.)",
    fix: "Add the column without the default (nullable); ALTER COLUMN ... SET DEFAULT so that new rows get it; backfill existing rows in small batches, in a later migration; then make it NOT NULL with the CHECK ... NOT VALID recipe if it must be. For a function of your own that is STABLE or IMMUTABLE, suppress the finding with that reason.",
  },
  "set-not-null": {
    severity: "error",
    summary: "ALTER COLUMN ... SET NOT NULL (or PostgreSQL 18's ADD CONSTRAINT ... NOT NULL without NOT VALID) on an existing column.",
    why: "SET NOT NULL scans the whole table for NULLs while holding an ACCESS EXCLUSIVE lock: reads and writes stop until the scan ends.",
    fix: "ADD CONSTRAINT name CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT name in a later migration (its lock lets reads and writes through); then SET NOT NULL, which PostgreSQL >= 12 proves from the valid check without a scan (this lint then accepts it), and drop the check. On PostgreSQL 18, ADD CONSTRAINT name NOT NULL col NOT VALID and a later VALIDATE CONSTRAINT name do the same in two steps.",
  },
  "constraint-without-not-valid": {
    severity: "error",
    summary: "ADD CONSTRAINT ... FOREIGN KEY or CHECK (or an inline REFERENCES/CHECK) without NOT VALID on an existing table.",
    why: "Adding a foreign key or check constraint checks every existing row while holding a lock that blocks writes (ACCESS EXCLUSIVE for a check; SHARE ROW EXCLUSIVE on both tables for a foreign key).",
    fix: "ADD CONSTRAINT ... NOT VALID (instant; new and updated rows are checked from then on), then ALTER TABLE ... VALIDATE CONSTRAINT ... in a later migration: validating takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes go on.",
  },
  "validate-in-same-migration": {
    severity: "error",
    summary: "VALIDATE CONSTRAINT in the migration that added the constraint NOT VALID, or after another statement of it locked the table.",
    why: "A migration runs in one transaction, so the strong lock taken by ADD CONSTRAINT ... NOT VALID (or by any earlier ALTER TABLE, CREATE INDEX, CREATE TRIGGER or LOCK of the table) is still held while VALIDATE scans the table: VALIDATE's own SHARE UPDATE EXCLUSIVE lock, which lets reads and writes through, gains nothing.",
    fix: "Move the VALIDATE CONSTRAINT into a later migration of its own (it may be followed by the SET NOT NULL and DROP CONSTRAINT of the NOT NULL recipe, which are instant).",
  },
  "unique-constraint-without-index": {
    severity: "error",
    summary: "ADD CONSTRAINT ... UNIQUE or PRIMARY KEY (or ADD COLUMN ... UNIQUE / PRIMARY KEY) not built USING INDEX on an existing table.",
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
    fix: "Change it in steps, like a rename: add a column of the new type, write to both and backfill in batches, switch reads, then drop the old column in a later migration. A binary-compatible change without USING (varchar(n) to text or a longer varchar, numeric to a larger precision at the same scale) rewrites nothing: suppress the finding with that reason.",
  },
  "drop-not-null": {
    severity: "warning",
    summary: "ALTER COLUMN ... DROP NOT NULL on an existing column.",
    why: "The change is instant, but from then on the column may hold NULLs, and code still running reads it as never NULL (Prisma's generated types say so): the first NULL a newer instance writes can crash an older one.",
    fix: "Make the column nullable in schema.prisma and deploy code that copes with NULL first; or keep the column NOT NULL and write a marker value. This is also the first step of dropping a NOT NULL column: new code that stops writing it needs it nullable (or with a DEFAULT) before it runs.",
  },
  "exclusion-constraint": {
    severity: "error",
    summary: "ADD CONSTRAINT ... EXCLUDE on an existing table.",
    why: "Adding an exclusion constraint builds its index and checks every row while holding an ACCESS EXCLUSIVE lock: reads and writes stop for the whole build. Unlike a foreign key or check it cannot be added NOT VALID, and unlike UNIQUE it cannot be added USING INDEX an index built CONCURRENTLY.",
    fix: "There is no online recipe. On a small table, suppress with its size as the reason. Otherwise create a new table with the constraint, write to both and backfill in batches, switch reads, and drop the old table later (the rename-table recipe).",
  },
  "json-column": {
    severity: "error",
    summary: "ADD COLUMN of type json (not jsonb) on an existing table.",
    why: "The json type has no equality operator: once the column exists, queries that compare whole rows of the table (SELECT DISTINCT, UNION, GROUP BY, a row in IN (...)), which worked before, fail with \"could not identify an equality operator for type json\".",
    fix: "Use jsonb (Prisma's Json maps to it on PostgreSQL; do not add @db.Json). Keep json only if the exact text (key order, duplicate keys) must be stored, after checking no query compares the table's rows.",
  },
  "detach-partition-without-concurrently": {
    severity: "error",
    summary: "ALTER TABLE ... DETACH PARTITION without CONCURRENTLY.",
    why: "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the partitioned table: while it waits for running queries, every read and write of the whole table queues behind it.",
    fix: "ALTER TABLE parent DETACH PARTITION part CONCURRENTLY, alone in its own migration (it cannot run in a transaction, nor on a table with a default partition). If it is interrupted, finish it with ALTER TABLE parent DETACH PARTITION part FINALIZE.",
  },
  "alter-table-rewrite": {
    severity: "error",
    summary: "ALTER TABLE ... SET LOGGED, SET UNLOGGED, SET TABLESPACE or SET ACCESS METHOD on an existing table.",
    why: "Each of these rewrites (or copies) the whole table and its indexes while holding an ACCESS EXCLUSIVE lock: no reads or writes until it is done. SET UNLOGGED also means the table is emptied after a crash and is not replicated.",
    fix: "Do it in a maintenance window, or move the data instead: create the new table as it should be, write to both and backfill in batches, switch reads, drop the old one later (the rename-table recipe). pg_repack can move a table to another tablespace online.",
  },
  "truncate-table": {
    severity: "error",
    summary: "TRUNCATE of a table that existed before the migration.",
    why: "TRUNCATE deletes every row (no rollback script brings them back) and takes an ACCESS EXCLUSIVE lock, held until the migration commits: reads and writes of the table stop meanwhile.",
    fix: "Delete data deliberately, outside a schema migration: back it up first, then DELETE in batches (a retention job does this). If the table really must be emptied, suppress with the reason and take a backup before deploying.",
  },
  "truncate-cascade": {
    severity: "error",
    summary: "TRUNCATE ... CASCADE.",
    why: "CASCADE also empties every table with a foreign key to the truncated ones, and every table referencing those, recursively: one statement can delete the users' data of the whole schema (Linear's incident of 2024-01-24).",
    fix: "Name exactly the tables to empty, without CASCADE: TRUNCATE a, b. PostgreSQL then refuses if another table still references them.",
  },
  "drop-database": {
    severity: "error",
    summary: "DROP DATABASE.",
    why: "Dropping a database deletes all of its data, and every connection to it fails; it has no place in a schema migration.",
    fix: "Remove the statement. Retire a database by hand, after a backup, once nothing connects to it.",
  },
  "create-domain-with-constraint": {
    severity: "warning",
    summary: "CREATE DOMAIN with a CHECK or NOT NULL constraint.",
    why: "A constraint on a domain is checked for every column that uses it: changing it later re-checks every such column of every table under a lock that blocks writes, and a column converted to such a domain is rewritten. Domains with constraints cannot be changed online.",
    fix: "Create the domain without constraints (or use the base type) and put the CHECK on each column, where NOT VALID and VALIDATE CONSTRAINT can add it online.",
  },
  "alter-domain-add-constraint": {
    severity: "error",
    summary: "ALTER DOMAIN ... ADD CONSTRAINT or SET NOT NULL on an existing domain.",
    why: "Adding a constraint to a domain checks every stored value of every column that uses it, holding a SHARE lock on each of their tables: their writes stop until every table is scanned.",
    fix: "Put the constraint on the columns instead: ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later migration, table by table.",
  },
  "rename-enum-value": {
    severity: "error",
    summary: "ALTER TYPE ... RENAME VALUE on an existing enum.",
    why: "Renaming an enum value breaks every running instance that reads or writes the old value (Prisma's client validates enum values) until the new code runs everywhere.",
    fix: "Add the new value (ALTER TYPE ... ADD VALUE 'new' AFTER 'old'); deploy code that understands both and writes the new one; backfill rows from the old value to the new in batches; then stop accepting the old one. (PostgreSQL cannot drop an enum value without recreating the type.)",
  },
  "rename-schema": {
    severity: "error",
    summary: "ALTER SCHEMA ... RENAME TO.",
    why: "Renaming a schema breaks every running instance whose connection string (?schema=) or queries name the old one, until the new code runs everywhere.",
    fix: "Move in steps: create the new schema, write to both and backfill, switch reads (and the connection's ?schema=), then drop the old schema in a later migration.",
  },
  "reindex-without-concurrently": {
    severity: "error",
    summary: "REINDEX (INDEX, TABLE, SCHEMA or DATABASE) without CONCURRENTLY.",
    why: "REINDEX without CONCURRENTLY blocks writes to the table while it rebuilds, and takes an ACCESS EXCLUSIVE lock on each index being rebuilt, so every read that would use the index waits too.",
    fix: "REINDEX ... CONCURRENTLY, alone in its own migration (it cannot run in a transaction). If it fails it leaves an INVALID index named ..._ccnew: drop it (DROP INDEX CONCURRENTLY) and try again.",
  },
  "vacuum-full-or-cluster": {
    severity: "error",
    summary: "VACUUM FULL or CLUSTER of an existing table.",
    why: "VACUUM FULL and CLUSTER rewrite the whole table and its indexes while holding an ACCESS EXCLUSIVE lock: no reads or writes until the copy is done, minutes to hours on a large table, and they need room for a second copy.",
    fix: "Leave plain VACUUM and autovacuum to reclaim space. To compact or reorder a table online, use the pg_repack extension (or, on PostgreSQL 19, REPACK (CONCURRENTLY)), outside migrations.",
  },
  "backfill-in-schema-migration": {
    severity: "error",
    summary: "An UPDATE or DELETE of existing rows in the same migration as a schema change that locks a table (ALTER TABLE, CREATE INDEX, ...).",
    why: "A migration runs in one transaction, so the lock its schema change takes (ACCESS EXCLUSIVE for most of ALTER TABLE) is held until the migration commits, for as long as the backfill runs: the table is unreadable or unwritable for the whole UPDATE. And one UPDATE of a large table locks every row it changes until it ends.",
    fix: "Put the backfill in a migration of its own, after the schema change. A small table takes a plain UPDATE; a large one a DO block that updates in batches and COMMITs between them, e.g. LOOP UPDATE t SET new = old WHERE ctid = ANY(ARRAY(SELECT ctid FROM t WHERE new IS NULL LIMIT 10000)); EXIT WHEN NOT FOUND; COMMIT; END LOOP (dbctl migrate new --rename-column writes one).",
    // 20261202053536_group_error_logs_by_fingerprint (applied) backfills ErrorLog beside its ALTER TABLE.
    since: "20261203120000",
  },
  "transaction-control": {
    severity: "error",
    summary: "BEGIN, COMMIT, ROLLBACK, END or PREPARE TRANSACTION inside a migration.",
    why: "dbctl migrate deploy runs each migration in one transaction with its _prisma_migrations \"finished\" mark and SET LOCAL lock_timeout. A COMMIT inside settles the statements before it on their own: a later failure leaves the migration half applied, and what follows the COMMIT runs without the lock timeout. A ROLLBACK silently undoes the statements before it, yet the migration is marked applied; a BEGIN without a COMMIT leaves the transaction open.",
    fix: "Remove the transaction statements: each migration is already one transaction. Split work that must commit separately into several migrations; a statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY) goes alone in its migration, which deploy runs outside one. (SAVEPOINT and ROLLBACK TO are fine.)",
  },
  "lock-timeout-disabled": {
    severity: "error",
    summary: "A migration that turns lock_timeout off (SET lock_timeout = 0, RESET, DEFAULT) or sets it above 10 s.",
    why: "dbctl migrate deploy sets lock_timeout (5 s by default) for every migration, so a statement that cannot get its lock gives up and is retried instead of waiting. While an ALTER TABLE waits for its ACCESS EXCLUSIVE lock behind a long query, every other query of the table queues behind it: with no limit, that is an outage.",
    fix: "Remove the setting and let deploy provide the timeout; pass `dbctl migrate deploy --lock-timeout <ms>` for a migration that needs a longer wait, or deploy when traffic is low.",
  },
  "statement-timeout-disabled": {
    severity: "warning",
    summary: "A migration that turns statement_timeout off (SET statement_timeout = 0, RESET, DEFAULT).",
    why: "Without a statement timeout, a statement of the migration that runs far longer than expected (a scan, a backfill, an index build) holds its locks and the deploy until someone kills it.",
    fix: "Set a long but bounded one instead (SET statement_timeout = '1h'), or pass `dbctl migrate deploy --statement-timeout <ms>`.",
  },
  "non-transactional-drop-without-if-exists": {
    severity: "warning",
    summary: "A DROP without IF EXISTS in a migration that runs outside a transaction (a CONCURRENTLY migration).",
    why: "A migration that runs outside a transaction can fail after its statement took effect (the connection drops before the \"finished\" mark is written): run again, a DROP INDEX CONCURRENTLY without IF EXISTS fails on the index it already dropped.",
    fix: "DROP INDEX CONCURRENTLY IF EXISTS name. (CREATE INDEX CONCURRENTLY is deliberately not asked for IF NOT EXISTS: a failed build leaves an INVALID index that IF NOT EXISTS would silently keep; drop it and run the migration again.)",
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
