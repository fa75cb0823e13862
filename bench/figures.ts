/**
 * A benchmark figure: our number beside the floor's (the same work done by hand-written SQL over
 * `pg`, or the raw tool), measured in the same run, so the ratio holds on a noisy machine where
 * the absolute numbers do not. Targets are goals reported beside the figure, never assertions.
 */

/** `ratio`: ours / raw; `value`: ours alone. `max` means lower is better, `min` higher. */
export interface Target {
  of: "ratio" | "value";
  bound: "max" | "min";
  limit: number;
}

export interface Figure {
  name: string;
  unit: string;
  /** The median of the runs. */
  ours: number;
  /** The floor's median, measured in the same runs; null when there is no floor (a bundle, a count). */
  raw: number | null;
  /** The median of the runs' own ratios (ours / raw): pairs measured together cancel the machine's drift. */
  ratio: number | null;
  /** The goal in words ("≥ 0.9x raw"), or null when the figure is reported for information. */
  target: string | null;
  /** Whether the median meets the target; null without one. */
  met: boolean | null;
  runs: number;
  /** The lowest and highest of what the target reads (the ratio, else ours) across the runs. */
  spread: { min: number; max: number };
  /** What holds a missed target back, or how to read the figure. */
  note?: string;
}

/** One run's measurement: ours and, where there is one, the floor's. */
export interface Sample {
  ours: number;
  raw?: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function describeTarget(target: Target): string {
  const sign = target.bound === "max" ? "≤" : "≥";
  return target.of === "ratio" ? `${sign} ${target.limit}x raw` : `${sign} ${target.limit}`;
}

/** A figure from its runs' samples. */
export function figure(name: string, unit: string, samples: readonly Sample[], target?: Target, note?: string): Figure {
  if (samples.length === 0) throw new Error(`figure ${name}: no samples`);
  const ours = median(samples.map((s) => s.ours));
  const paired = samples.filter((s): s is Required<Sample> => s.raw !== undefined && s.raw > 0);
  const raw = paired.length ? median(paired.map((s) => s.raw)) : null;
  const ratios = paired.map((s) => s.ours / s.raw);
  const ratio = ratios.length ? median(ratios) : null;
  const read = target?.of === "ratio" ? ratios : samples.map((s) => s.ours);
  const value = target?.of === "ratio" ? ratio : ours;
  const met = target && value !== null ? (target.bound === "max" ? value <= target.limit : value >= target.limit) : null;
  return {
    name,
    unit,
    ours,
    raw,
    ratio,
    target: target ? describeTarget(target) : null,
    met,
    runs: samples.length,
    spread: { min: Math.min(...read), max: Math.max(...read) },
    ...(note && { note }),
  };
}

/**
 * Runs `measure` `runs` times and makes one figure of each name it answers. `measure` times ours
 * and the floor within one run, alternating which goes first so neither always gets the warm cache.
 */
export async function repeat(runs: number, measure: (run: number) => Promise<Record<string, Sample>>): Promise<Map<string, Sample[]>> {
  const byName = new Map<string, Sample[]>();
  for (let run = 0; run < runs; run++) {
    for (const [name, sample] of Object.entries(await measure(run))) {
      const list = byName.get(name) ?? [];
      list.push(sample);
      byName.set(name, list);
    }
  }
  return byName;
}

/** One figure of a suite, named once: its unit, its goal, and how it reads a run's measurement. */
export interface FigureSpec<M> {
  name: string;
  unit: string;
  target?: Target;
  note?: string;
  sample: (measured: M) => Sample;
}

/** Measures `runs` times and answers one figure per spec, in the specs' order. */
export async function measureFigures<M>(runs: number, measure: (run: number) => Promise<M>, specs: readonly FigureSpec<M>[]): Promise<Figure[]> {
  const measured: M[] = [];
  for (let run = 0; run < runs; run++) measured.push(await measure(run));
  return specs.map((spec) => figure(spec.name, spec.unit, measured.map(spec.sample), spec.target, spec.note));
}
