import type { ColumnFacts } from "./catalog.ts";
import { ident, migrationName } from "./names.ts";
import { contractMarker, header, type Recipe, type RecipeStep } from "./recipe.ts";

/**
 * The database guide's multi-step column rename as consecutive migrations, each with its
 * rollback: add the new column (and a trigger that copies writes of the old one into it), backfill
 * it in batches outside a transaction, make it NOT NULL through a NOT VALID check when the old
 * column is, build the old column's indexes on it CONCURRENTLY, then drop the old column, marked
 * to deploy only once no running code reads it. Every step passes `dbctl migrate lint`.
 */
export function columnRenameRecipe(facts: ColumnFacts, options: { batchSize: number; command: string }): Recipe {
  const T = ident(facts.table);
  const O = ident(facts.column);
  const N = ident(facts.to);
  const F = ident(facts.syncFunction);
  const C = ident(facts.notNullCheck);
  const what = `the rename of ${T}.${O} to ${N}`;
  const t = facts.table;
  const differs = (row: "NEW" | "OLD", other: "NEW" | "OLD", column: string) =>
    facts.comparable ? `${row}.${column} IS DISTINCT FROM ${other}.${column}` : `${row}.${column}::text IS DISTINCT FROM ${other}.${column}::text`;
  const same = (column: string) => (facts.comparable ? `NEW.${column} IS NOT DISTINCT FROM OLD.${column}` : `NEW.${column}::text IS NOT DISTINCT FROM OLD.${column}::text`);

  const createSync = `-- Keeps ${N} in step with ${O} while both exist: code that writes only ${O} (the running version,
-- scripts) fills ${N}, and code that writes only ${N} fills ${O}; code that writes both is left alone.
CREATE FUNCTION ${F}() RETURNS trigger LANGUAGE plpgsql AS $sync$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.${N} IS NULL THEN
      NEW.${N} := NEW.${O};
    ELSIF NEW.${O} IS NULL THEN
      NEW.${O} := NEW.${N};
    END IF;
  ELSIF ${differs("NEW", "OLD", O)} AND ${same(N)} THEN
    NEW.${N} := NEW.${O};
  ELSIF ${differs("NEW", "OLD", N)} AND ${same(O)} THEN
    NEW.${O} := NEW.${N};
  END IF;
  RETURN NEW;
END
$sync$;

CREATE TRIGGER ${F} BEFORE INSERT OR UPDATE ON ${T} FOR EACH ROW EXECUTE FUNCTION ${F}();
`;
  const dropSync = `DROP TRIGGER ${F} ON ${T};\nDROP FUNCTION ${F}();\n`;

  type Draft = Omit<RecipeStep, "up"> & { body: string };
  const drafts: Draft[] = [];

  drafts.push({
    name: migrationName("add", t, facts.to, "column"),
    summary: `add ${N} (nullable) and a trigger that keeps it in step with ${O}`,
    body: `-- ${N} starts nullable and without a default: a default would fill the rows that running code
-- inserts through ${O} with the default instead of their value${facts.default ? ` (${O}'s default moves to ${N} when ${O} is dropped)` : ""}.
ALTER TABLE ${T} ADD COLUMN ${N} ${facts.type};

${createSync}`,
    down: `${dropSync}ALTER TABLE ${T} DROP COLUMN ${N};\n`,
    changes: [
      `Adds column ${T}.${N} (${facts.type}, nullable, no default).`,
      `Adds trigger ${F} (function ${F}()) that copies writes of ${O} into ${N} and back while both columns exist.`,
    ],
  });

  drafts.push({
    name: migrationName("backfill", t, facts.to),
    summary: `copy ${O} into ${N}, ${options.batchSize} rows per transaction`,
    body: `-- Copies ${O} into ${N} for the rows written before the trigger existed, ${options.batchSize} rows per
-- transaction: each batch COMMITs, so its row locks are short and no transaction spans the table.
-- A DO block that COMMITs cannot run inside a transaction block: it is this migration's only
-- statement, so \`dbctl migrate deploy\` runs it on its own (and \`prisma migrate deploy\`, which sends
-- a migration as one query, runs it outside a transaction too). Safe to run again: it skips rows
-- already copied. The walk goes through the table in physical order (ctid ranges); a last pass
-- catches rows that concurrent updates moved behind it.
DO $backfill$
DECLARE
  batch tid[];
  walked tid := '(0,0)';
BEGIN
  LOOP
    batch := ARRAY(SELECT ctid FROM ${T} WHERE ctid > walked AND ${N} IS NULL AND ${O} IS NOT NULL LIMIT ${options.batchSize} FOR UPDATE);
    EXIT WHEN cardinality(batch) = 0;
    UPDATE ${T} SET ${N} = ${O} WHERE ctid = ANY (batch) AND ${N} IS NULL;
    SELECT max(b) INTO walked FROM unnest(batch) AS b;
    COMMIT;
  END LOOP;
  LOOP
    UPDATE ${T} SET ${N} = ${O}
    WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${T} WHERE ${N} IS NULL AND ${O} IS NOT NULL LIMIT ${options.batchSize} FOR UPDATE));
    EXIT WHEN NOT FOUND;
    COMMIT;
  END LOOP;
END
$backfill$;
`,
    down: `-- Nothing to undo: the backfill only copied ${O} into ${N}, which holds the same values as ${O}
-- (setting ${N} back to NULL would, through the trigger, clear ${O} too). ${N} itself goes with the
-- rollback of the migration that added it.
`,
    changes: [`Copies ${T}.${O} into ${N} for every existing row, in batches of ${options.batchSize} rows, each committed on its own (data only; no schema change).`],
  });

  if (facts.notNull) {
    drafts.push({
      name: migrationName("add", t, facts.to, "not_null_check"),
      summary: `CHECK (${N} IS NOT NULL) NOT VALID: new and updated rows are checked, no scan`,
      body: `-- NOT VALID: existing rows are not scanned (the next migration validates them under a lock that
-- lets reads and writes go on); from now on every insert and update is checked.
ALTER TABLE ${T} ADD CONSTRAINT ${C} CHECK (${N} IS NOT NULL) NOT VALID;
`,
      down: `ALTER TABLE ${T} DROP CONSTRAINT ${C};\n`,
      changes: [`Adds constraint ${C} CHECK (${N} IS NOT NULL) NOT VALID on ${T}.`],
    });
    drafts.push({
      name: migrationName("validate", t, facts.to, "not_null_check"),
      summary: `VALIDATE the check: scans ${T} under a SHARE UPDATE EXCLUSIVE lock (reads and writes go on)`,
      body: `ALTER TABLE ${T} VALIDATE CONSTRAINT ${C};\n`,
      down: `-- A constraint cannot be made NOT VALID again; it is dropped and added back as it was.
ALTER TABLE ${T} DROP CONSTRAINT ${C};
ALTER TABLE ${T} ADD CONSTRAINT ${C} CHECK (${N} IS NOT NULL) NOT VALID;
`,
      changes: [`Validates constraint ${C} on ${T} (every row's ${N} is not null).`],
    });
    drafts.push({
      name: migrationName("set", t, facts.to, "not_null"),
      summary: `SET NOT NULL on ${N} (proven by the valid check, no scan) and drop the check`,
      body: `-- PostgreSQL >= 12 proves NOT NULL from the validated check instead of scanning the table.
ALTER TABLE ${T} ALTER COLUMN ${N} SET NOT NULL;
ALTER TABLE ${T} DROP CONSTRAINT ${C};
`,
      down: `-- Adding the check back validates it (a scan under the migration's lock): a rollback is rare and restores the exact state.
ALTER TABLE ${T} ADD CONSTRAINT ${C} CHECK (${N} IS NOT NULL);
ALTER TABLE ${T} ALTER COLUMN ${N} DROP NOT NULL;
`,
      changes: [`Makes ${T}.${N} NOT NULL.`, `Drops constraint ${C}, which NOT NULL now replaces.`],
    });
  }

  for (const index of facts.indexes) {
    const concurrent = index.newDefinition.replace(/^CREATE (UNIQUE )?INDEX /, "CREATE $1INDEX CONCURRENTLY ");
    drafts.push({
      name: migrationName("index", index.newName.replace(/_(idx|key)$/, "")),
      summary: `build ${ident(index.newName)} on ${N} CONCURRENTLY, as ${ident(index.name)} is on ${O}`,
      body: `-- The new column's copy of ${ident(index.name)}. CONCURRENTLY cannot run in a transaction, so it is alone in
-- its migration; if it fails it leaves an INVALID index: DROP INDEX CONCURRENTLY it and deploy again.
${concurrent};
`,
      down: `DROP INDEX CONCURRENTLY ${ident(index.newName)};\n`,
      changes: [`Creates index ${ident(index.newName)} CONCURRENTLY: ${index.newDefinition}.`],
    });
  }

  const restoreOld = [
    `ALTER TABLE ${T} ADD COLUMN ${O} ${facts.type};`,
    `UPDATE ${T} SET ${O} = ${N};`,
    ...(facts.default ? [`ALTER TABLE ${T} ALTER COLUMN ${O} SET DEFAULT ${facts.default};`] : []),
    ...(facts.notNull ? [`ALTER TABLE ${T} ALTER COLUMN ${O} SET NOT NULL;`] : []),
    ...facts.indexes.map((i) => `${i.definition};`),
    ...(facts.default ? [`ALTER TABLE ${T} ALTER COLUMN ${N} DROP DEFAULT;`] : []),
  ].join("\n");
  drafts.push({
    name: migrationName("drop", t, facts.column, "column"),
    summary: `drop ${O} (and the trigger): DEPLOY ONLY once no running code reads or writes ${O}`,
    deployAfter: `every running version of the code has stopped reading and writing ${T}.${O} (it reads and writes ${N}, and ${O} is gone from schema.prisma)`,
    body: `-- DEPLOY THIS MIGRATION ONLY AFTER every running version of the code has stopped reading and writing
-- ${T}.${O}: the code reads and writes ${N}, the field for ${O} is gone from schema.prisma, and no
-- instance of an older version is still serving (serverless versions overlap). Ship it in a later
-- release than the steps before it. Its rollback brings ${O} back with the values of ${N}.
${dropSync}${facts.default ? `ALTER TABLE ${T} ALTER COLUMN ${N} SET DEFAULT ${facts.default};\n` : ""}-- lint-ignore drop-column: the last step of the generated rename of ${T}.${O} to ${N}; every value is in ${N} (backfilled, kept in step by the trigger until now), and this migration deploys only once no running code uses ${O}
ALTER TABLE ${T} DROP COLUMN ${O};
`,
    down: `-- ${O} comes back at the end of the table's columns (PostgreSQL cannot put it back in its old place),
-- with the values of ${N}, its default, NOT NULL and indexes; then the trigger again.
${restoreOld}

${createSync}`,
    changes: [
      `Drops trigger ${F} and function ${F}().`,
      ...(facts.default ? [`Moves the default ${facts.default} from ${O} to ${T}.${N}.`] : []),
      `Drops column ${T}.${O}${facts.indexes.length ? ` and with it its indexes ${facts.indexes.map((i) => ident(i.name)).join(", ")}` : ""}.`,
    ],
  });

  const steps = drafts.map(({ body, ...draft }, i): RecipeStep => ({ ...draft, up: header(i + 1, drafts.length, what, options.command) + (draft.deployAfter ? contractMarker(draft.deployAfter) : "") + body }));
  const last = steps.length;
  return {
    kind: "rename-column",
    title: `${T}.${O} -> ${N}`,
    steps,
    plan: [
      `Steps 1-${last - 1} can ship together: after step 1 the trigger copies every write of ${O} into ${N}, so the running code needs no change.`,
      `Then deploy code that reads and writes ${N} (in schema.prisma, the field for ${N}; keep ${O}'s field while old code may still run, or let the trigger fill it).`,
      `Step ${last} (drop ${O}) ships in a later release, once no running version reads or writes ${O}; remove ${O}'s field from schema.prisma first.`,
    ],
  };
}
