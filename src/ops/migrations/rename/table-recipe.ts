import type { TableFacts } from "./catalog.ts";
import { ident, migrationName } from "./names.ts";
import { contractMarker, header, type Recipe, type RecipeStep } from "./recipe.ts";

/**
 * The rename-table lint rule's safe recipe as two migrations: rename the table and, in the same
 * transaction, create a view with the old name (a simple `SELECT *` view is automatically
 * updatable, so code that still uses the old name keeps reading and writing); later, once no code
 * uses the old name, drop the view. Indexes and constraints named after the table (Prisma's
 * `Note_pkey`, `Note_userId_idx`) are renamed with it, so schema.prisma's new model matches.
 */
export function tableRenameRecipe(facts: TableFacts, options: { command: string }): Recipe {
  const Old = ident(facts.table);
  const New = ident(facts.to);
  const what = `the rename of table ${Old} to ${New}`;
  const view = `CREATE VIEW ${Old} AS SELECT * FROM ${New};`;
  const renameConstraints = facts.renamedConstraints.map((c) => `ALTER TABLE ${New} RENAME CONSTRAINT ${ident(c.name)} TO ${ident(c.newName)};`);
  const renameIndexes = facts.renamedIndexes.map(
    (i) =>
      `-- lint-ignore unrelated-tables: ${ident(i.name)} is an index of the renamed table, renamed with it (the linter counts an index name as a table)\nALTER INDEX ${ident(i.name)} RENAME TO ${ident(i.newName)};`,
  );
  const undoNames = [
    ...facts.renamedIndexes.map((i) => `ALTER INDEX ${ident(i.newName)} RENAME TO ${ident(i.name)};`).reverse(),
    ...facts.renamedConstraints.map((c) => `ALTER TABLE ${New} RENAME CONSTRAINT ${ident(c.newName)} TO ${ident(c.name)};`).reverse(),
  ];
  const renamedNames = [...facts.renamedConstraints, ...facts.renamedIndexes];

  const drafts: (Omit<RecipeStep, "up"> & { body: string })[] = [
    {
      name: migrationName("rename", facts.table, "table_to", facts.to),
      summary: `rename ${Old} to ${New} and leave a view named ${Old} for the code that still uses it`,
      body: `-- The view keeps the old name working for the running code: a plain SELECT * view of one table is
-- automatically updatable, so its reads, inserts, updates and deletes reach ${New}.
-- lint-ignore rename-table: the view created in the same transaction keeps ${Old} readable and writable for code that still uses the old name
ALTER TABLE ${Old} RENAME TO ${New};
${view}
${[...renameConstraints, ...renameIndexes].join("\n")}
`.replace(/\n\n$/, "\n"),
      down: `${[...undoNames, `DROP VIEW ${Old};`, `ALTER TABLE ${New} RENAME TO ${Old};`].join("\n")}\n`,
      changes: [
        `Renames table ${Old} to ${New}.`,
        `Creates view ${Old} (SELECT * FROM ${New}), automatically updatable, for code that still uses the old name.`,
        ...(renamedNames.length ? [`Renames ${renamedNames.map((n) => `${ident(n.name)} to ${ident(n.newName)}`).join(", ")}.`] : []),
      ],
    },
    {
      name: migrationName("drop", facts.table, "view"),
      summary: `drop the view ${Old}: DEPLOY ONLY once no running code uses the name ${Old}`,
      deployAfter: `every running version of the code uses ${New} instead of ${Old}`,
      body: `-- DEPLOY THIS MIGRATION ONLY AFTER every running version of the code uses ${New}: schema.prisma's
-- model maps to ${New}, and no instance of an older version is still serving (serverless versions
-- overlap). Ship it in a later release than the rename.
DROP VIEW ${Old};
`,
      down: `${view}\n`,
      changes: [`Drops view ${Old}; the table is ${New} only.`],
    },
  ];
  const steps = drafts.map(({ body, ...draft }, i): RecipeStep => ({ ...draft, up: header(i + 1, drafts.length, what, options.command) + (draft.deployAfter ? contractMarker(draft.deployAfter) : "") + body }));
  return {
    kind: "rename-table",
    title: `${Old} -> ${New}`,
    steps,
    plan: [
      `Step 1 can ship before the code changes: the view keeps ${Old} working.`,
      `Then deploy code that uses ${New} (rename the model, or @@map("${facts.to}"), in schema.prisma).`,
      `Step 2 (drop the view) ships in a later release, once no running version uses ${Old}.`,
    ],
  };
}
