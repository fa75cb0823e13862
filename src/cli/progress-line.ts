import type { Progress, ProgressListener } from "../ops/backup/progress.ts";
import { formatBytes } from "./output.ts";

/** A long operation's progress: one line redrawn in place, on a terminal only. */
export interface ProgressLine {
  /** Undefined when nothing is drawn (not a terminal, or --json): the operation then skips sampling. */
  listener: ProgressListener | undefined;
  /** Removes the line, before other output or at the end. */
  clear(): void;
}

/** --json and pipes get no line at all. */
export function progressLine(json: boolean, stream: NodeJS.WriteStream = process.stdout): ProgressLine {
  if (json || !stream.isTTY) return { listener: undefined, clear: () => {} };
  let drawn = false;
  return {
    listener: (progress) => {
      const text = renderProgress(progress);
      const width = (stream.columns || 80) - 1;
      stream.write(`\r${text.length > width ? `${text.slice(0, width - 3)}...` : text}\x1b[K`);
      drawn = true;
    },
    clear: () => {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}

export function renderProgress(p: Progress): string {
  const elapsed = `${(p.elapsedMs / 1000).toFixed(1)}s`;
  if (p.phase === "dump") return `Dumping: ${formatBytes(p.bytes ?? 0)} written, ${elapsed}`;
  if (p.totalBytes) {
    const share = Math.min(100, Math.floor(((p.bytes ?? 0) / p.totalBytes) * 100));
    return `Restoring: ${share}% (${formatBytes(p.bytes ?? 0)} of ${formatBytes(p.totalBytes)}), ${elapsed}`;
  }
  return `Restoring: ${elapsed}, ${p.step ?? "working"}`;
}
