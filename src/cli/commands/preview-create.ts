import { resolve } from "node:path";
import { z } from "zod";
import { readMigrations } from "../../ops/migrations/files.ts";
import { MAX_EXPIRY_DAYS, createPreview } from "../../ops/preview/previews.ts";
import { seedPreview } from "../../ops/preview/seed.ts";
import { maskUrl } from "../../env.ts";
import { defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { migrationsDirFlag } from "../flags.ts";
import { plural, printJson } from "../output.ts";
import { maskInActionsLog, printUrls, writeGithubOutputs } from "./preview-output.ts";
import { gitBranchFlag, openPreviews, previewFlags } from "./preview-session.ts";

/** `7d`, `36h`, `90m`: how long from now, up to Neon's 30 days. */
const expiresSchema = z
  .string()
  .trim()
  .default("7d")
  .transform((value, ctx) => {
    const match = /^(\d+)\s*(m|h|d)$/.exec(value);
    const ms = match ? Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "m" | "h" | "d"] : Number.NaN;
    if (!(ms > 0) || ms > MAX_EXPIRY_DAYS * 86_400_000) {
      ctx.addIssue({ code: "custom", message: `must be a time from now of at most ${MAX_EXPIRY_DAYS} days (90m, 36h, 7d)` });
      return z.NEVER;
    }
    return ms;
  });

export const previewCreate = defineCommand({
  path: ["preview", "create"],
  summary: "Create (or reuse) the preview database of a git branch: preview/<branch>, migrated, with an expiry.",
  details: [
    "Branches the primary's current state into preview/<git branch> (the same git branch always",
    "names the same preview; a second run reuses it), applies the pending migrations over its",
    "direct URL with the deploy's rails, and with --seed staging loads the staging data.",
    `--expires is how long it lives (default 7d, at most ${MAX_EXPIRY_DAYS}d): Neon deletes it then by itself;`,
    "self-hosted, `dbctl preview prune` (the nightly job) does.",
    "",
    "Prints DATABASE_URL= (pooled) and DIRECT_URL= with the password masked. When $GITHUB_OUTPUT",
    "is set, the real values go there (database_url, direct_url, branch_id, branch_name), after",
    "::add-mask:: lines that hide them in the Actions log.",
    "",
    "Exit codes: 0 created or reused, 1 refused or an error, 2 bad usage.",
  ],
  flags: {
    gitBranch: gitBranchFlag,
    expires: flag.string(expiresSchema, { valueName: "<time>", description: `How long the preview lives: 90m, 36h, 7d (default), at most ${MAX_EXPIRY_DAYS}d.` }),
    seed: flag.string(z.enum(["staging"], { message: "must be staging" }).optional(), { valueName: "staging", description: "Load the staging seed after migrating." }),
    migrationsDir: migrationsDirFlag,
    ...previewFlags,
  },
  async run(flags, ctx) {
    const { provider, database, log } = await openPreviews(flags, ctx);
    const migrations = readMigrations(resolve(ctx.cwd, flags.migrationsDir));
    const iterations = Number(ctx.env.PBKDF2_ITERATIONS) || 100_000;
    const result = await createPreview(provider, {
      gitBranch: flags.gitBranch,
      expiresAt: new Date(Date.now() + flags.expires),
      migrations,
      ...(database && { database }),
      ...(log && { log }),
      ...(flags.seed && { afterMigrate: async (url: string) => void (await seedPreview(url, { iterations, ...(log && { log }) })) }),
    });
    const { preview, urls } = result;
    maskInActionsLog(ctx, [urls.databaseUrl, urls.directUrl]);
    const wrote = writeGithubOutputs(ctx, { database_url: urls.databaseUrl, direct_url: urls.directUrl, branch_id: preview.id, branch_name: preview.name });
    if (flags.json) {
      printJson(ctx, { preview, created: result.created, applied: result.migrations.applied, databaseUrl: maskUrl(urls.databaseUrl), directUrl: maskUrl(urls.directUrl) });
      return EXIT.ok;
    }
    ctx.stdout(`${result.created ? "Created" : "Reused"} preview "${preview.name}" (${preview.id})${preview.expiresAt ? `, expires ${preview.expiresAt.toISOString()}` : ""}.`);
    ctx.stdout(result.migrations.applied.length ? `Applied ${plural(result.migrations.applied.length, "migration")}.` : "No pending migrations.");
    printUrls(ctx, urls);
    if (wrote) ctx.stdout("The real values are in $GITHUB_OUTPUT: database_url, direct_url, branch_id, branch_name.");
    return EXIT.ok;
  },
});
