import { resolve } from "node:path";
import { RecoveryError, type RecoveryProvider } from "./provider.ts";
import { SelfHostedRecovery } from "./self-hosted/index.ts";

/**
 * The recovery provider this environment uses: Neon's API when NEON_API_KEY and NEON_PROJECT_ID
 * are set, otherwise the self-hosted one whose WAL archive and branches live in RECOVERY_DIR
 * (npm start's embedded database archives there from its first start).
 */
export interface RecoverySettings {
  env: Record<string, string | undefined>;
  /** The live database's direct URL: credentials and database name for self-hosted branches. */
  directUrl: string;
  cwd: string;
  onProgress?: (line: string) => void;
}

export async function recoveryProvider(settings: RecoverySettings): Promise<RecoveryProvider> {
  const { env } = settings;
  if (env.NEON_API_KEY && env.NEON_PROJECT_ID) {
    const { NeonRecoveryProvider } = await import("./neon/provider.ts");
    return NeonRecoveryProvider.fromEnv(env);
  }
  const url = new URL(settings.directUrl);
  return new SelfHostedRecovery({
    stateDir: resolve(settings.cwd, env.RECOVERY_DIR?.trim() || ".data/recovery"),
    user: decodeURIComponent(url.username || "postgres"),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || "postgres",
    ...(settings.onProgress && { onProgress: settings.onProgress }),
  });
}

/** The branch the application runs on. */
export async function primaryBranch(provider: RecoveryProvider) {
  const primary = (await provider.listBranches()).find((branch) => branch.primary);
  if (!primary) throw new RecoveryError("RECOVERY_SETUP", "The recovery provider has no primary branch yet; start the database with archiving (npm start) or configure Neon.");
  return primary;
}
