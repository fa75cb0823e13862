import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import { maskUrl } from "../../env.ts";
import { checksumOf, type MigrationFile } from "../../ops/migrations/files.ts";
import { readHistory } from "../../ops/migrations/history.ts";
import { formatText, lintMigrations, modifiedFromGit, modifiedFromHistory, RULES, RULE_IDS, summarize, type LintReport, type RuleInfo } from "../../ops/migrations/lint/index.ts";
import { withConnection } from "../../ops/sql.ts";
import { CliError, defineCommand, EXIT, type CliContext, type CommandInput } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { directUrlSchema, jsonFlag } from "../flags.ts";
import { plural, printJson } from "../output.ts";
import { renderError } from "../render-error.ts";

const DEFAULT_DIR = "prisma/migrations";

const lintFlags = {
  format: flag.string(z.enum(["text", "json"], { message: "must be text or json" }).default("text"), {
    valueName: "<text|json>",
    description: "Output format. Default: text. `--format json` is the same as --json.",
  }),
  json: jsonFlag,
  url: flag.string(directUrlSchema.optional(), {
    valueName: "<url>",
    description: "Database whose _prisma_migrations checksums reveal edited migrations. Default: DIRECT_URL, else DATABASE_URL, else git history.",
  }),
};

const pathsArgs = {
  usage: "[paths...]",
  description: `migration folders, migration.sql files, or folders of migrations (default: every migration under ${DEFAULT_DIR})`,
  schema: z.array(z.string().min(1, "must not be empty")),
};

export const migrateLint = defineCommand({
  path: ["migrate", "lint"],
  summary: "Check migrations for locking, data-loss and hygiene problems with PostgreSQL's own parser; exit 1 on errors.",
  args: pathsArgs,
  details: [
    "Parses each migration.sql with PostgreSQL's parser (libpg_query) and reports, per finding: rule,",
    "severity, file:line:column, the statement, why it is dangerous and the safe recipe. Statements on",
    "a table created earlier in the same migration are exempt from the lock rules.",
    "",
    "Edited migrations: with --url (or DIRECT_URL / DATABASE_URL set) each file's checksum is compared",
    "with _prisma_migrations; without a database, with git history (a commit after the first one that",
    "changed the file, or uncommitted changes to a committed file, means it was edited).",
    "",
    "Suppress one finding with a reason, on the comment line(s) right above its statement:",
    "  -- lint-ignore create-index-without-concurrently: the table holds at most 50 rows",
    "A suppression without `: reason` is itself an error and suppresses nothing.",
    "",
    "Rules:",
    ...RULE_IDS.map((id) => {
      const rule: RuleInfo = RULES[id];
      return `  ${id} (${rule.severity}${rule.since ? `; migrations from ${rule.since} on` : ""}): ${rule.summary}`;
    }),
    "",
    "Exit codes: 0 no errors (warnings allowed), 1 errors found or a failure, 2 bad usage.",
  ],
  flags: lintFlags,
  async run(flags, ctx) {
    try {
      return await lint(flags, ctx);
    } catch (error) {
      // dbctl prints a JSON error document for --json; `--format json` readers get the same.
      if (flags.format !== "json" || flags.json) throw error;
      return renderError(error, { json: true, secretUrls: [flags.url, ctx.env.DIRECT_URL, ctx.env.DATABASE_URL], stdout: ctx.stdout, stderr: ctx.stderr });
    }
  },
});

async function lint(flags: CommandInput<typeof lintFlags, typeof pathsArgs.schema>, ctx: CliContext): Promise<number> {
  const json = flags.json || flags.format === "json";
  const folders = selectMigrations(ctx, flags.args);
  const selected = folders.flatMap((f) => f.selected);

  let modified: ReadonlyMap<string, string>;
  let checkedAgainst: string;
  if (flags.url || ctx.env.DIRECT_URL?.trim() || ctx.env.DATABASE_URL?.trim()) {
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
    const history = await withConnection(target.url, readHistory);
    modified = modifiedFromHistory(selected, history);
    checkedAgainst = `_prisma_migrations at ${maskUrl(target.url)} (from ${target.source})`;
  } else {
    const git = modifiedFromGit(selected.map((m) => ({ name: m.name, path: resolve(ctx.cwd, m.path) })));
    modified = git.modified;
    checkedAgainst = git.judged === selected.length ? "git history" : git.judged ? "git history (where the files are in git)" : "nothing (no database, not in a git work tree)";
  }

  const reports: LintReport[] = [];
  for (const folder of folders) reports.push(await lintMigrations(folder.selected, { before: folder.before, modified }));
  const report: LintReport = {
    findings: reports.flatMap((r) => r.findings),
    suppressed: reports.flatMap((r) => r.suppressed),
    summary: { errors: 0, warnings: 0, files: 0 },
  };
  report.summary = summarize(report.findings, selected.length);

  if (json) {
    printJson(ctx, { findings: report.findings, summary: report.summary });
  } else {
    ctx.stdout(`Linted ${plural(selected.length, "migration")}; edits to applied migrations checked against ${checkedAgainst}.\n`);
    ctx.stdout(formatText(report));
  }
  return report.summary.errors > 0 ? EXIT.failure : EXIT.ok;
}

/** One folder of migrations: the ones to lint, and those before them (read for context only). */
interface FolderSelection {
  before: MigrationFile[];
  selected: MigrationFile[];
}

/** Turns the paths given into migrations, grouped by the folder of migrations they belong to. */
function selectMigrations(ctx: CliContext, args: string[]): FolderSelection[] {
  const wanted = new Map<string, Set<string> | "all">();
  const want = (parent: string, name: string | "all") => {
    const current = wanted.get(parent);
    if (name === "all" || current === "all") wanted.set(parent, "all");
    else wanted.set(parent, new Set([...(current ?? []), name]));
  };
  for (const arg of args.length ? args : [DEFAULT_DIR]) {
    const path = resolve(ctx.cwd, arg);
    if (!existsSync(path)) {
      throw new CliError(args.length ? "PATH_NOT_FOUND" : "MIGRATIONS_DIR", args.length ? `${arg} does not exist.` : `The migrations folder ${DEFAULT_DIR} does not exist; pass the migrations to lint as paths.`);
    }
    if (statSync(path).isFile()) {
      if (basename(path) !== "migration.sql") throw new CliError("NOT_A_MIGRATION", `${arg} is not a migration.sql file; pass a migration folder, its migration.sql, or a folder of migrations.`);
      want(dirname(dirname(path)), basename(dirname(path)));
    } else if (existsSync(join(path, "migration.sql"))) {
      want(dirname(path), basename(path));
    } else if (migrationNames(path).length) {
      want(path, "all");
    } else {
      throw new CliError("NOT_A_MIGRATION", `${arg} holds no migration (no migration.sql in it or in its folders).`);
    }
  }
  return [...wanted].map(([parent, names]) => {
    const all = migrationNames(parent).map((name) => readMigration(ctx, parent, name));
    const selected = names === "all" ? all : all.filter((m) => names.has(m.name));
    const firstIndex = all.indexOf(selected[0] as MigrationFile);
    return { before: all.slice(0, Math.max(firstIndex, 0)), selected };
  });
}

/** The folders under `dir` that hold a migration.sql, in order (their names start with a timestamp). */
function migrationNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((entry) => existsSync(join(dir, entry, "migration.sql")) && statSync(join(dir, entry)).isDirectory())
    .sort();
}

function readMigration(ctx: CliContext, parent: string, name: string): MigrationFile {
  const absolute = join(parent, name, "migration.sql");
  const bytes = readFileSync(absolute);
  // Findings name the file relative to where dbctl runs, as an editor or a terminal link wants it.
  const shown = relative(ctx.cwd, absolute) || absolute;
  return { name, path: shown.startsWith("..") ? absolute : shown, sql: bytes.toString("utf8"), checksum: checksumOf(bytes) };
}
