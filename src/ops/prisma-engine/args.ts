/** `--datasource`: what Prisma's CLI passes from prisma.config.ts (`datasource`), as JSON. */
export interface Datasource {
  url: string;
  shadowDatabaseUrl?: string | undefined;
}

export const ONE_SHOT_COMMANDS = ["can-connect-to-database", "create-database", "drop-database"] as const;

export type EngineArgs =
  | { mode: "version" }
  | { mode: "help" }
  | { mode: "cli"; command: (typeof ONE_SHOT_COMMANDS)[number]; datasource: Datasource }
  | { mode: "rpc"; datamodels: string[]; datasource: Datasource | undefined };

export class UsageError extends Error {}

/**
 * The native schema engine's command line, as Prisma's CLI builds it:
 * `--datamodels <file>`... `--datasource <json>` [`--enabled-preview-features a,b`]
 * [`--extension-types <json>`] [`cli <command>`], or `--version`.
 */
export function parseArgs(argv: string[]): EngineArgs {
  const datamodels: string[] = [];
  let datasourceJson: string | undefined;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value.`);
      return next;
    };
    if (arg === "--version" || arg === "-V") return { mode: "version" };
    if (arg === "--help" || arg === "-h") return { mode: "help" };
    if (arg === "--datamodels") datamodels.push(value());
    else if (arg === "--datasource") datasourceJson = value();
    // Accepted for compatibility; the WASM engine takes its preview features from the schema.
    else if (arg === "--enabled-preview-features" || arg === "--extension-types") value();
    else if (arg === "cli") {
      command = argv[++i];
      if (!command) throw new UsageError(`cli needs a command: ${ONE_SHOT_COMMANDS.join(", ")}.`);
    } else throw new UsageError(`Unknown argument ${arg}.`);
  }
  const datasource = datasourceJson === undefined ? undefined : parseDatasource(datasourceJson);
  if (command !== undefined) {
    if (!(ONE_SHOT_COMMANDS as readonly string[]).includes(command)) {
      throw new UsageError(`Unknown cli command ${command}; expected one of ${ONE_SHOT_COMMANDS.join(", ")}.`);
    }
    if (!datasource) throw new UsageError(`cli ${command} needs --datasource.`);
    return { mode: "cli", command: command as (typeof ONE_SHOT_COMMANDS)[number], datasource };
  }
  return { mode: "rpc", datamodels, datasource };
}

// Checked by hand rather than with zod, as the rest of the project does: the CLI starts this
// process two or three times per command, and loading zod would add a few hundred ms to each.
function parseDatasource(json: string): Datasource {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UsageError("--datasource is not valid JSON.");
  }
  const { url, shadowDatabaseUrl } = (value ?? {}) as Record<string, unknown>;
  if (typeof url !== "string" || url === "") throw new UsageError("--datasource has no url.");
  if (shadowDatabaseUrl !== undefined && shadowDatabaseUrl !== null && typeof shadowDatabaseUrl !== "string") {
    throw new UsageError("--datasource has a shadowDatabaseUrl that is not a string.");
  }
  return { url, shadowDatabaseUrl: shadowDatabaseUrl || undefined };
}
