/**
 * Prisma model and field names to SQL names: `@@map("table")` on a model, `@map("column")` on a
 * field. Read from schema.prisma's text (a model block is `model Name { ... }` with `}` alone on
 * its closing line, as `prisma format` writes it); a name without a map is its own SQL name.
 */
export function mappedTable(schema: string | undefined, model: string): string | undefined {
  const block = modelBlock(schema, model);
  if (block === undefined) return undefined;
  return /@@map\(\s*(?:name:\s*)?"([^"]+)"\s*\)/.exec(block)?.[1] ?? model;
}

export function mappedColumn(schema: string | undefined, model: string, field: string): string | undefined {
  const block = modelBlock(schema, model);
  if (block === undefined) return undefined;
  const line = block.split("\n").find((l) => new RegExp(`^\\s*${field}\\s`).test(l));
  if (!line) return undefined;
  return /[^@]@map\(\s*(?:name:\s*)?"([^"]+)"\s*\)/.exec(line)?.[1] ?? field;
}

function modelBlock(schema: string | undefined, model: string): string | undefined {
  if (!schema) return undefined;
  return new RegExp(`^model\\s+${model}\\s*\\{\\n([\\s\\S]*?)^\\}`, "m").exec(schema)?.[1];
}
