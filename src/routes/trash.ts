import { z } from "@hono/zod-openapi";
import { ApiError, notFound } from "../http/errors.ts";

/**
 * The trash rules notes and projects share: DELETE moves a live row to the trash; DELETE with
 * ?permanent=true deletes a row that is already in the trash, and refuses (409) a live one.
 */
export const deleteQuery = (what: string) =>
  z.object({
    permanent: z
      .enum(["true", "false"])
      .default("false")
      .openapi({ description: `true: delete for good; only for a ${what} already in the trash` }),
  });

export interface TrashOps {
  softDelete(): Promise<number>;
  purge(): Promise<number>;
  /** Whether the row exists and is live (the caller's, not in the trash). */
  isLive(): Promise<boolean>;
}

export async function deleteOrPurge(ops: TrashOps, permanent: boolean, what: "note" | "project"): Promise<void> {
  const label = what === "note" ? "Note" : "Project";
  if (!permanent) {
    if ((await ops.softDelete()) === 0) throw notFound(label);
    return;
  }
  if ((await ops.purge()) === 1) return;
  if (await ops.isLive()) throw new ApiError(409, "NOT_IN_TRASH", `Only a ${what} in the trash can be deleted permanently; delete it first`);
  throw notFound(label);
}
