import { z } from "zod";
import { prunePreviews } from "../../ops/preview/previews.ts";
import { runProcess } from "../../ops/process.ts";
import { CliError, defineCommand, EXIT, type CliContext } from "../command.ts";
import { flag } from "../flag.ts";
import { printJson } from "../output.ts";
import { openPreviews, previewFlags } from "./preview-session.ts";

export const previewPrune = defineCommand({
  path: ["preview", "prune"],
  summary: "Delete expired previews and, with --git-remote, previews whose git branch is gone.",
  details: [
    "Neon deletes an expired branch by itself; the self-hosted provider only keeps the date, so",
    "this (the workflow's nightly run) enforces it. With --git-remote <remote> (e.g. origin) it",
    "also deletes previews whose git branch `git ls-remote --heads <remote>` no longer lists.",
    "Only branches named preview/… are ever considered; the primary never is.",
    "",
    "Exit codes: 0 pruned (or nothing to prune), 1 an error, 2 bad usage.",
  ],
  flags: {
    gitRemote: flag.string(z.string().trim().min(1, "must not be empty").optional(), { valueName: "<remote>", description: "Also prune previews whose branch this git remote no longer has." }),
    dryRun: flag.boolean({ description: "Say what would be deleted and delete nothing." }),
    ...previewFlags,
  },
  async run(flags, ctx) {
    const { provider } = await openPreviews(flags, ctx);
    const remoteBranches = flags.gitRemote ? await remoteHeads(ctx, flags.gitRemote) : undefined;
    const result = await prunePreviews(provider, { dryRun: flags.dryRun, ...(remoteBranches && { remoteBranches }) });
    if (flags.json) {
      printJson(ctx, { dryRun: flags.dryRun, expired: result.expired.map((p) => p.name), gitBranchGone: result.gitBranchGone.map((p) => p.name) });
      return EXIT.ok;
    }
    const verb = flags.dryRun ? "Would delete" : "Deleted";
    for (const p of result.expired) ctx.stdout(`${verb} "${p.name}": expired ${p.expiresAt?.toISOString()}.`);
    for (const p of result.gitBranchGone) ctx.stdout(`${verb} "${p.name}": git branch ${p.gitBranch} is gone from ${flags.gitRemote}.`);
    if (result.expired.length + result.gitBranchGone.length === 0) ctx.stdout("No preview to prune.");
    return EXIT.ok;
  },
});

async function remoteHeads(ctx: CliContext, remote: string): Promise<string[]> {
  const run = await runProcess("git", ["ls-remote", "--heads", remote], { cwd: ctx.cwd, env: { PATH: ctx.env.PATH ?? "", HOME: ctx.env.HOME ?? "" } });
  if (run.code !== 0) throw new CliError("GIT_REMOTE", `git ls-remote --heads ${remote} failed: ${run.stderr.trim().split("\n")[0] || `exit ${run.code}`}.`);
  // An empty answer would prune every preview: refuse it rather than trust it.
  const heads = run.stdout.split("\n").map((line) => line.split("\t")[1]?.replace(/^refs\/heads\//, "")).filter((b): b is string => Boolean(b));
  if (heads.length === 0) throw new CliError("GIT_REMOTE", `git ls-remote --heads ${remote} listed no branches; nothing was pruned.`);
  return heads;
}
