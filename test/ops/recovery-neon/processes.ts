import { readFileSync, readdirSync } from "node:fs";

/** PostgreSQL processes whose command line names a path under `root`: the servers a test started there. */
export function postgresPidsUnder(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args[0]?.endsWith("/postgres") && args.some((arg) => arg.startsWith(root))) pids.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Immediate shutdown (SIGQUIT), by pid, of every server left under `root`. */
export function stopPostgresUnder(root: string): void {
  for (const pid of postgresPidsUnder(root)) {
    try {
      process.kill(pid, "SIGQUIT");
    } catch {
      // already gone
    }
  }
}
