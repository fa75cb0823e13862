import { listPreviews } from "../../ops/preview/previews.ts";
import { defineCommand, EXIT } from "../command.ts";
import { printJson } from "../output.ts";
import { openPreviews, previewFlags } from "./preview-session.ts";

export const previewList = defineCommand({
  path: ["preview", "list"],
  summary: "List the preview databases: name, git branch, created, expires, state.",
  details: ["Only branches named preview/…; `dbctl recovery window` lists every branch.", "", "Exit codes: 0 listed, 1 an error, 2 bad usage."],
  flags: previewFlags,
  async run(flags, ctx) {
    const { provider } = await openPreviews(flags, ctx);
    const previews = await listPreviews(provider);
    if (flags.json) {
      printJson(ctx, { previews });
      return EXIT.ok;
    }
    if (previews.length === 0) ctx.stdout("No preview databases.");
    for (const p of previews) {
      ctx.stdout(`${p.name}  git ${p.gitBranch}  ${p.state}  created ${p.createdAt.toISOString()}  ${p.expiresAt ? `expires ${p.expiresAt.toISOString()}` : "never expires"}`);
    }
    return EXIT.ok;
  },
});
