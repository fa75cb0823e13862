import { OpsError } from "../errors.ts";
import { deployMigrations, type DeployResult } from "../migrations/deploy.ts";
import type { MigrationFile } from "../migrations/files.ts";
import type { Branch, RecoveryProvider } from "../recovery/provider.ts";
import { isPreviewBranchName } from "../recovery/provider.ts";
import { withConnection } from "../sql.ts";
import { gitBranchOf, previewBranchName } from "./names.ts";

/**
 * Preview databases: one branch of the recovery provider per git branch (`preview/<git branch>`,
 * names.ts), forked from the primary at its current state, with an expiry. Neon deletes an expired
 * branch by itself; the self-hosted provider only keeps the date, and prunePreviews deletes it.
 * Nothing here ever touches a branch that is not named `preview/…`, nor the primary.
 */

/** Neon's limit for a branch's expires_at (docs on branch expiration: up to 30 days out). */
export const MAX_EXPIRY_DAYS = 30;

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

export interface PreviewUrls {
  /** Through the provider's pooler (Neon: PgBouncer in transaction mode); self-hosted: the same as direct. */
  databaseUrl: string;
  /** A session of its own, for migrations. */
  directUrl: string;
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

export interface CreatePreviewOptions {
  gitBranch: string;
  expiresAt?: Date;
  /** The migrations to apply over the preview's direct URL. */
  migrations: MigrationFile[];
  /** Database on the branch; defaults to the provider's. */
  database?: string;
  /** After the migrations, on the direct URL: e.g. the staging seed. */
  afterMigrate?: (directUrl: string) => Promise<void>;
  log?: (line: string) => void;
  now?: Date;
}

export interface CreatedPreview {
  preview: Preview;
  /** false: the git branch already had its preview, which was reused (migrated again, nothing else). */
  created: boolean;
  urls: PreviewUrls;
  migrations: DeployResult;
}

export async function createPreview(provider: RecoveryProvider, options: CreatePreviewOptions): Promise<CreatedPreview> {
  const name = previewBranchName(options.gitBranch);
  const now = options.now ?? new Date();
  if (options.expiresAt && options.expiresAt.getTime() - now.getTime() > MAX_EXPIRY_DAYS * 86_400_000) {
    throw new PreviewError("PREVIEW_EXPIRY", `A preview can expire at most ${MAX_EXPIRY_DAYS} days from now (Neon's limit for a branch's expires_at).`);
  }
  if (options.expiresAt && options.expiresAt.getTime() <= now.getTime()) throw new PreviewError("PREVIEW_EXPIRY", "A preview's expiry must lie in the future.");
  const existing = (await provider.listBranches()).find((b) => b.name === name);
  if (existing?.primary) throw new PreviewError("PREVIEW_IS_PRIMARY", `"${name}" is the primary branch and cannot be a preview.`);
  let branch = existing;
  if (branch) {
    options.log?.(`Reusing preview branch "${name}" (${branch.id}).`);
  } else {
    options.log?.(`Creating preview branch "${name}" from the primary's current state ...`);
    branch = await provider.createBranch(name, { ...(options.expiresAt && { expiresAt: options.expiresAt }) });
  }
  const database = options.database ? { database: options.database } : {};
  const directUrl = await provider.connectionString(name, { ...database, pooled: false });
  const databaseUrl = await provider.connectionString(name, { ...database, pooled: true });
  const migrations = await withConnection(directUrl, (db) => deployMigrations(db, options.migrations, { ...(options.log && { log: options.log }) }), {
    applicationName: "dbctl preview",
  });
  await options.afterMigrate?.(directUrl);
  return { preview: toPreview(branch), created: !existing, urls: { databaseUrl, directUrl }, migrations };
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
