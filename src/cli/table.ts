/**
 * A plain text table for dbctl's reports: a header row, columns padded to their widest cell, two
 * spaces between, indented like the rest of dbctl's lists. The last column is never padded, so a
 * long query text does not push trailing spaces onto every line.
 */
export function tableLines(header: readonly string[], rows: readonly (readonly string[])[], indent = "  "): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  return all.map((row) => `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}`.trimEnd());
}
