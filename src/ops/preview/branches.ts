import { OpsError } from "../errors.ts";
import type { Branch, RecoveryProvider } from "../recovery/provider.ts";
import { isPreviewBranchName } from "../recovery/provider.ts";
import { gitBranchOf, previewBranchName } from "./names.ts";

/**
 * Preview branches as they are listed, deleted and pruned: nothing here migrates or connects, so
 * the scheduled preview-prune job (which every runtime's job registry imports) carries no more
 * than the provider interface. Creating a preview (migrations, seeds) is previews.ts.
 */

export class PreviewError extends OpsError {
  override name = "PreviewError";
}

export interface Preview {
  id: string;
  name: string;
  /** The git branch the name was made from (shortened names: what is left of it). */
  gitBranch: string;
  createdAt: Date;
  expiresAt?: Date;
  state: Branch["state"];
}

export const toPreview = (branch: Branch): Preview => ({
  id: branch.id,
  name: branch.name,
  gitBranch: gitBranchOf(branch.name) ?? branch.name,
  createdAt: branch.createdAt,
  ...(branch.expiresAt && { expiresAt: branch.expiresAt }),
  state: branch.state,
});

const isPreview = (branch: Branch) => !branch.primary && isPreviewBranchName(branch.name);

export async function listPreviews(provider: RecoveryProvider): Promise<Preview[]> {
  return (await provider.listBranches()).filter(isPreview).map(toPreview).sort((a, b) => a.name.localeCompare(b.name));
}

/** The one guard every delete goes through: a `preview/…` branch that is not the primary. */
export function assertDeletablePreview(branch: Branch | undefined, name: string): asserts branch is Branch {
  if (!isPreviewBranchName(name)) throw new PreviewError("NOT_A_PREVIEW", `"${name}" is not a preview branch (preview/…) and is never deleted by dbctl preview.`);
  if (!branch) throw new PreviewError("PREVIEW_NOT_FOUND", `There is no preview branch "${name}".`);
  if (branch.primary) throw new PreviewError("PREVIEW_IS_PRIMARY", `"${name}" is the primary branch and is never deleted by dbctl preview.`);
}

/** Deletes a preview by its branch name (`preview/…`) or by the git branch it was made for. */
export async function deletePreview(provider: RecoveryProvider, nameOrGitBranch: { name: string } | { gitBranch: string }): Promise<Preview> {
  const name = "name" in nameOrGitBranch ? nameOrGitBranch.name : previewBranchName(nameOrGitBranch.gitBranch);
  const branch = (await provider.listBranches()).find((b) => b.name === name);
  assertDeletablePreview(branch, name);
  await provider.deleteBranch(name);
  return toPreview(branch);
}

export interface PruneReasons {
  expired: Preview[];
  /** Previews whose git branch the remote no longer has (only when its branches were given). */
  gitBranchGone: Preview[];
}

export interface PrunePreviewsOptions {
  now?: Date;
  /** The remote's git branches (e.g. `git ls-remote --heads`): previews of others are pruned. */
  remoteBranches?: readonly string[];
  dryRun?: boolean;
}

export async function prunePreviews(provider: RecoveryProvider, options: PrunePreviewsOptions = {}): Promise<PruneReasons> {
  const now = (options.now ?? new Date()).getTime();
  const alive = options.remoteBranches && new Set(options.remoteBranches.map(previewBranchName));
  const reasons: PruneReasons = { expired: [], gitBranchGone: [] };
  for (const branch of (await provider.listBranches()).filter(isPreview)) {
    const preview = toPreview(branch);
    if (branch.expiresAt && branch.expiresAt.getTime() <= now) reasons.expired.push(preview);
    else if (alive && !alive.has(branch.name)) reasons.gitBranchGone.push(preview);
    else continue;
    if (!options.dryRun) {
      assertDeletablePreview(branch, branch.name);
      await provider.deleteBranch(branch.name);
    }
  }
  return reasons;
}
