/** What a long dump or restore reports while it runs; the CLI draws it, --json ignores it. */
export interface Progress {
  phase: "dump" | "restore";
  elapsedMs: number;
  /** Bytes written (dump) or read (plain restore) so far. */
  bytes?: number;
  /** The file's size, when the share done can be told (plain restore). */
  totalBytes?: number;
  /** What pg_restore is on, from its -v output. */
  step?: string;
}

export type ProgressListener = (progress: Progress) => void;

/** Calls `sample` now and then every interval until stopped; nothing when there is no listener. */
export function ticker(listener: ProgressListener | undefined, sample: (elapsedMs: number) => Progress, intervalMs = 250): () => void {
  if (!listener) return () => {};
  const started = Date.now();
  const tick = () => listener(sample(Date.now() - started));
  tick();
  const timer = setInterval(tick, intervalMs);
  return () => clearInterval(timer);
}
