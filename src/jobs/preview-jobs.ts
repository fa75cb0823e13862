import { prunePreviews } from "../ops/preview/branches.ts";
import type { RecoveryProvider } from "../ops/recovery/provider.ts";
import type { JobContext, JobDefinition, JobResult } from "./types.ts";

/**
 * Expired preview databases go (`dbctl preview prune` on a schedule). Neon deletes a branch whose
 * expires_at has passed by itself; the self-hosted provider only keeps the date, so this is what
 * enforces it there. Only branches named `preview/…` are ever touched, never the primary.
 */
export async function prunePreviewBranches(ctx: JobContext): Promise<JobResult> {
  const recovery = await (ctx.capabilities.recovery as () => Promise<RecoveryProvider>)();
  const pruned = await prunePreviews(recovery, { now: ctx.startedAt });
  return {
    outcome: "succeeded",
    detail: { provider: recovery.kind, expired: pruned.expired.map((p) => p.name) },
  };
}

export const previewPruneJob: JobDefinition = {
  name: "preview-prune",
  description: "Deletes preview databases (preview/<git branch>) whose expiry has passed.",
  schedule: "45 3 * * *",
  needs: ["recovery"],
  leaseMs: 30 * 60_000,
  run: prunePreviewBranches,
};
