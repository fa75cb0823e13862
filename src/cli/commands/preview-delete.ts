import { z } from "zod";
import { PreviewError, deletePreview } from "../../ops/preview/previews.ts";
import { CliError, defineCommand, EXIT } from "../command.ts";
import { flag } from "../flag.ts";
import { gitBranchSchema, openPreviews, previewFlags } from "./preview-session.ts";

export const previewDelete = defineCommand({
  path: ["preview", "delete"],
  summary: "Delete the preview database of a git branch (never anything not named preview/…, never the primary).",
  details: [
    "Deletes the branch preview/<git branch> names, or the one --name gives (as `dbctl preview list`",
    "shows it). A name outside preview/… and the primary branch are refused, whatever the provider",
    "would allow; a refusal changes nothing. --missing-ok exits 0 when there is no such preview (a",
    "pull request closed before its preview was made).",
    "",
    "Exit codes: 0 deleted, 1 refused, unknown or an error, 2 bad usage.",
  ],
  flags: {
    gitBranch: flag.string(gitBranchSchema.optional(), { valueName: "<branch>", description: "The git branch whose preview to delete." }),
    name: flag.string(z.string().trim().min(1, "must not be empty").optional(), { valueName: "<preview/…>", description: "The preview branch's own name, instead of --git-branch." }),
    missingOk: flag.boolean({ description: "Exit 0 when there is no such preview." }),
    ...previewFlags,
  },
  conflicts: [["gitBranch", "name"]],
  async run(flags, ctx) {
    if (!flags.gitBranch && !flags.name) throw new CliError("USAGE", "Give --git-branch <branch> or --name <preview/…>.", 2);
    const { provider } = await openPreviews(flags, ctx);
    const which = flags.name ? { name: flags.name } : { gitBranch: flags.gitBranch as string };
    const deleted = await deletePreview(provider, which).catch((error: unknown) => {
      if (flags.missingOk && error instanceof PreviewError && error.code === "PREVIEW_NOT_FOUND") return undefined;
      throw error;
    });
    if (!deleted) {
      ctx.stdout(flags.json ? JSON.stringify({ deleted: null }) : "No such preview; nothing to delete.");
      return EXIT.ok;
    }
    ctx.stdout(flags.json ? JSON.stringify({ deleted: deleted.name, id: deleted.id }) : `Deleted preview "${deleted.name}" (${deleted.id}).`);
    return EXIT.ok;
  },
});
