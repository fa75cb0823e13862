import { setTimeout as sleep } from "node:timers/promises";
import { connect, type Connection } from "../../src/ops/sql.ts";

/**
 * Notes written one per transaction, continuously, from a few connections at once, while the
 * recovery suite picks a moment T among them. Which ones committed by T is read afterwards from
 * PostgreSQL itself (track_commit_timestamp: the very commit time recovery_target_time is
 * compared with), so the check needs no guess about client clocks or commit order.
 */
export const PROBE_PREFIX = "pitr-probe-";

export interface ProbeWriter {
  /** Stops writing and waits for the writes in flight. */
  stop(): Promise<number>;
}

export async function startProbeWriter(url: string, options: { userId: string; run: number; connections: number; pauseMs: number }): Promise<ProbeWriter> {
  const conns: Connection[] = [];
  for (let i = 0; i < options.connections; i++) conns.push(await connect(url, { applicationName: "bench pitr writer" }));
  let stopping = false;
  let written = 0;
  const loops = conns.map(async (conn, c) => {
    for (let n = 0; !stopping; n++) {
      await conn.query(`INSERT INTO "Note" (id, "userId", title, "updatedAt") VALUES ($1, $2, 'A note written just before or after T', now())`, [
        `${PROBE_PREFIX}${options.run}-${c}-${n}`,
        options.userId,
      ]);
      written += 1;
      await sleep(options.pauseMs);
    }
  });
  return {
    async stop() {
      stopping = true;
      try {
        await Promise.all(loops);
      } finally {
        await Promise.all(conns.map((conn) => conn.close().catch(() => {})));
      }
      return written;
    },
  };
}
