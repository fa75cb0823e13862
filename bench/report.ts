import type { Figure } from "./figures.ts";

/** What the numbers were measured on: ratios travel between machines, absolute figures do not. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
  postgres: string;
  date: string;
  quick: boolean;
}

export interface Results {
  machine: Machine;
  figures: Figure[];
}

const number = (value: number | null, unit = "") => {
  if (value === null || Number.isNaN(value)) return "–";
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
};
const ratioText = (value: number | null) => (value === null ? "–" : `${value.toFixed(2)}x`);
const metText = (met: boolean | null) => (met === null ? "" : met ? "met" : "MISSED");
const spreadText = (f: Figure) => (f.ratio !== null && f.target?.includes("raw") ? `${f.spread.min.toFixed(2)}–${f.spread.max.toFixed(2)}x` : `${number(f.spread.min)}–${number(f.spread.max)}`);

const COLUMNS = ["figure", "ours", "raw", "ratio", "target", "", "runs", "spread"] as const;
const cells = (f: Figure) => [f.name, number(f.ours, f.unit), number(f.raw, f.raw === null ? "" : f.unit), ratioText(f.ratio), f.target ?? "", metText(f.met), String(f.runs), spreadText(f)];

/** The terminal's table: columns padded to their widest cell. */
export function textTable(figures: readonly Figure[]): string {
  const rows = [COLUMNS as readonly string[], ...figures.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

export function markdownReport(results: Results, analysis: string): string {
  const m = results.machine;
  const header = `| ${COLUMNS.join(" | ")} |\n|${COLUMNS.map(() => "---").join("|")}|`;
  const body = results.figures.map((f) => `| ${cells(f).map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`).join("\n");
  const notes = results.figures.filter((f) => f.note).map((f) => `- **${f.name}**: ${f.note}`).join("\n");
  const missed = results.figures.filter((f) => f.met === false).length;
  return `# Benchmark report

${m.quick ? "A `--quick` run (smaller data, fewer runs): for CI, not for reading. " : ""}Measured ${m.date} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}, PostgreSQL ${m.postgres} (embedded).
Every figure is the median of its runs; "raw" is the same work by hand-written SQL over \`pg\` (or the raw tool), measured in the same runs, and the ratio is the median of the runs' own ratios. On a shared 2-core machine the absolute numbers move from run to run; the ratios are what to compare. ${missed ? `${missed} target(s) missed: see the notes and the analysis.` : "Every target is met."}

${header}
${body}

${notes ? `## Notes\n\n${notes}\n\n` : ""}${analysis ? `${analysis.trim()}\n` : ""}`;
}
