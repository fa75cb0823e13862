/**
 * The Neon emulator for local development, on the self-hosted recovery state of `npm start` (or
 * a fresh one):
 *
 *   NEON_API_KEY=dev-key npm run neon:emulator -- [--state-dir .data/recovery] [--port 4444]
 *       [--project-id local-emulator] [--history-retention-seconds 86400] [--init]
 *
 * It prints NEON_API_URL, NEON_PROJECT_ID, NEON_DATABASE and NEON_ROLE lines to paste into .env
 * for dbctl; --init creates (and starts) a primary branch with archiving when the state folder has
 * none. Bad flags exit 2 with one sentence; Ctrl-C stops the emulator (exit 0), and the branches'
 * PostgreSQL servers keep running, as the self-hosted provider's always do.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { withEnvFile } from "../../../../env-file.ts";
import { maskUrl } from "../../../../env.ts";
import { OpsError } from "../../../errors.ts";
import { oneLine, sentence } from "../../../text.ts";
import { assertApiKey, startNeonEmulator } from "./server.ts";

const USAGE = "npm run neon:emulator -- [--state-dir D] [--port P] [--project-id ID] [--history-retention-seconds S] [--init]";

const flagsSchema = z.object({
  "state-dir": z.string().min(1, "--state-dir needs a folder").optional(),
  port: z.coerce.number({ error: "--port must be a number" }).int("--port must be a whole number").min(0, "--port must be 0 to 65535").max(65_535, "--port must be 0 to 65535").default(4444),
  "project-id": z.string().regex(/^[a-z0-9-]{1,60}$/, "--project-id must be 1 to 60 lowercase letters, digits and dashes").optional(),
  "history-retention-seconds": z.coerce
    .number({ error: "--history-retention-seconds must be a number" })
    .int("--history-retention-seconds must be a whole number")
    .min(0, "--history-retention-seconds must be 0 to 2592000 (30 days)")
    .max(30 * 86_400, "--history-retention-seconds must be 0 to 2592000 (30 days)")
    .default(86_400),
  init: z.boolean().default(false),
});
type Flags = z.infer<typeof flagsSchema>;

class UsageError extends OpsError {
  override name = "UsageError";
  constructor(message: string) {
    super("USAGE", sentence(`${message}; usage: ${USAGE}`));
  }
}

function parseFlags(argv: string[]): Flags {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        "state-dir": { type: "string" },
        port: { type: "string" },
        "project-id": { type: "string" },
        "history-retention-seconds": { type: "string" },
        init: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    // Node's message is several sentences; its first says what is wrong.
    const first = oneLine(error instanceof Error ? error.message : String(error)).split(/(?<=\.) /)[0] ?? "";
    throw new UsageError(first.replace(/\.$/, ""));
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? "the flags are not valid");
  return parsed.data;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const flags = parseFlags(argv);
  const apiKey = env.NEON_API_KEY;
  assertApiKey(apiKey);

  const { SelfHostedRecovery } = await import("../../self-hosted/index.ts");
  const stateDir = resolve(flags["state-dir"] ?? (env.RECOVERY_DIR || ".data/recovery"));
  const log = (line: string) => console.error(`[neon-emulator] ${line}`);
  const provider = new SelfHostedRecovery({ stateDir, onProgress: log });
  if ((await provider.listBranches()).length === 0) {
    if (!flags.init) throw new OpsError("NEON_EMULATOR_SETUP", `${stateDir} has no branches: start npm start with archiving, or pass --init to create a primary branch there.`);
    const primary = await provider.initPrimary();
    log(`Created the primary branch "${primary.name}": ${maskUrl(await provider.connectionString(primary.name))}`);
  }
  const emulator = await startNeonEmulator({
    provider,
    apiKey,
    projectId: flags["project-id"] ?? (env.NEON_PROJECT_ID || "local-emulator"),
    port: flags.port,
    historyRetentionSeconds: flags["history-retention-seconds"],
    stateFile: resolve(stateDir, "neon-emulator.json"),
    log,
  });
  console.log(`NEON_API_URL=${emulator.url}`);
  console.log(`NEON_PROJECT_ID=${emulator.projectId}`);
  console.log("NEON_DATABASE=postgres");
  console.log("NEON_ROLE=postgres");
  const stop = () => {
    log("stopping (the branches' servers keep running) ...");
    void emulator.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

// The project's .env beneath the real environment, as for npm start and dbctl (NEON_API_KEY may live there).
Promise.resolve()
  .then(() => main(process.argv.slice(2), withEnvFile(process.env, process.cwd())))
  .catch((error: unknown) => {
    console.error(sentence(error instanceof Error ? error.message : String(error)));
    process.exit(error instanceof UsageError ? 2 : 1);
  });
