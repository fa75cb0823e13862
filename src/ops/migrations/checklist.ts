/** The database guide's rollback checklist for one migration (its README.md), filled in as far as a tool can. */
export function checklist(folder: string, down: string, options: { changes?: readonly string[]; deployAfter?: string } = {}): string {
  const changes = options.changes?.length ? options.changes.map((c) => `- ${c}`).join("\n") : `- (describe what \`prisma/migrations/${folder}/migration.sql\` changes)`;
  const deploy = options.deployAfter ? `\n### Deploy\nDeploy this migration only after ${options.deployAfter}.\n` : "";
  return `## Migration: ${folder.slice(15)}

### Changes
${changes}
${deploy}
### Rollback SQL
\`\`\`sql
${down.trimEnd()}
\`\`\`

### Rollback Steps
1. Deploy the previous code version (the one that does not need this change).
2. Take a backup: \`dbctl backup create\` (rollback scripts can drop data).
3. Run the rollback: \`dbctl migrate rollback --to <previous migration>\` (or \`--steps 1\`); it runs
   rollback.sql and marks the migration rolled back in \`_prisma_migrations\`.
4. Check: \`dbctl migrate status\` shows this migration as pending.
`;
}
