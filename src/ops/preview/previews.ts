import { deployMigrations, type DeployResult } from "../migrations/deploy.ts";
import type { MigrationFile } from "../migrations/files.ts";
import type { RecoveryProvider } from "../recovery/provider.ts";
import { withConnection } from "../sql.ts";
import { type Preview, PreviewError, toPreview } from "./branches.ts";
import { previewBranchName } from "./names.ts";

export * from "./branches.ts";

/**
 * Preview databases: one branch of the recovery provider per git branch (`preview/<git branch>`,
 * names.ts), forked from the primary at its current state, with an expiry. Neon deletes an expired
 * branch by itself; the self-hosted provider only keeps the date, and prunePreviews deletes it.
 * Nothing here ever touches a branch that is not named `preview/…`, nor the primary.
 */

/** Neon's limit for a branch's expires_at (docs on branch expiration: up to 30 days out). */
export const MAX_EXPIRY_DAYS = 30;

export interface PreviewUrls {
  /** Through the provider's pooler (Neon: PgBouncer in transaction mode); self-hosted: the same as direct. */
  databaseUrl: string;
  /** A session of its own, for migrations. */
  directUrl: string;
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
