import type { SqlClient } from "../sql.ts";

/**
 * A schema's shape, read from pg_catalog, as sorted lines of text: tables, columns (type,
 * nullability, default, identity), indexes, constraints, enums (labels in order), sequences,
 * views, functions, triggers and extensions. Two fingerprints are equal exactly when the
 * schemas are, so "apply, roll back" can be checked to restore the schema it started from.
 * `_prisma_migrations` is bookkeeping, not schema, and is left out.
 */
export type Fingerprint = string[];

const HISTORY = "_prisma_migrations";

export async function fingerprint(db: SqlClient): Promise<Fingerprint> {
  const lines: string[] = [];
  const add = async (sql: string) => {
    const { rows } = await db.query<{ line: string }>(sql, [HISTORY]);
    for (const row of rows) lines.push(row.line);
  };

  // Tables, views, materialized views, sequences, partitioned tables.
  await add(`
    SELECT format('%s %s', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                                          WHEN 'm' THEN 'materialized-view' WHEN 'S' THEN 'sequence' ELSE 'f' END,
                  quote_ident(c.relname)) AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r','p','v','m','S','f') AND c.relname <> $1`);

  await add(`
    SELECT format('column %s.%s %s%s%s%s%s', quote_ident(c.relname), quote_ident(a.attname),
                  format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                  CASE WHEN d.adbin IS NOT NULL AND a.attgenerated = '' THEN ' default ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END,
                  CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END,
                  CASE WHEN a.attgenerated = 's' THEN ' generated as ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END) AS line
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = current_schema() AND c.relkind IN ('r','p','v','m','f') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> $1`);

  // Column order matters to INSERTs without column lists and to SELECT *: keep it visible.
  await add(`
    SELECT format('columns %s (%s)', quote_ident(c.relname), string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)) AS line
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r','p') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> $1
    GROUP BY c.relname`);

  await add(`
    SELECT format('index %s%s', pg_get_indexdef(i.indexrelid), CASE WHEN NOT i.indisvalid THEN ' (INVALID)' ELSE '' END) AS line
    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname <> $1`);

  await add(`
    SELECT format('constraint %s.%s %s%s', quote_ident(t.relname), quote_ident(con.conname), pg_get_constraintdef(con.oid),
                  CASE WHEN NOT con.convalidated THEN ' (NOT VALIDATED)' ELSE '' END) AS line
    FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname <> $1`);

  await add(`
    SELECT format('enum %s (%s)', quote_ident(t.typname), string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)) AS line
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() AND t.typname <> $1
    GROUP BY t.typname`);

  await add(`
    SELECT format('domain %s %s%s', quote_ident(t.typname), format_type(t.typbasetype, t.typtypmod), CASE WHEN t.typnotnull THEN ' not null' ELSE '' END) AS line
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() AND t.typtype = 'd' AND t.typname <> $1`);

  await add(`
    SELECT format('sequence-options %s %s start %s increment %s min %s max %s cycle %s', quote_ident(c.relname), format_type(s.seqtypid, NULL),
                  s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle) AS line
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relname <> $1`);

  await add(`
    SELECT format('view-definition %s %s', quote_ident(c.relname), regexp_replace(pg_get_viewdef(c.oid, true), '\\s+', ' ', 'g')) AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('v','m') AND c.relname <> $1`);

  await add(`
    SELECT format('function %s', regexp_replace(pg_get_functiondef(p.oid), '\\s+', ' ', 'g')) AS line
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema() AND p.prokind IN ('f','p') AND p.proname <> $1
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`);

  await add(`
    SELECT format('trigger %s', pg_get_triggerdef(tg.oid)) AS line
    FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND NOT tg.tgisinternal AND c.relname <> $1`);

  await add(`SELECT format('extension %s', quote_ident(extname)) AS line FROM pg_extension WHERE extname <> 'plpgsql' AND extname <> $1`);

  return lines.sort();
}

export interface FingerprintDiff {
  /** In the expected schema, missing from the actual one. */
  missing: string[];
  /** In the actual schema, not in the expected one. */
  extra: string[];
}

export function diffFingerprints(expected: Fingerprint, actual: Fingerprint): FingerprintDiff {
  const a = new Set(actual);
  const e = new Set(expected);
  return { missing: expected.filter((line) => !a.has(line)), extra: actual.filter((line) => !e.has(line)) };
}

export const isSameSchema = (diff: FingerprintDiff) => diff.missing.length === 0 && diff.extra.length === 0;

export function renderDiff(diff: FingerprintDiff): string {
  return [...diff.missing.map((line) => `- ${line}`), ...diff.extra.map((line) => `+ ${line}`)].join("\n");
}
