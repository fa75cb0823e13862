import { resolve } from "node:path";
import { maskUrl } from "../../env.ts";
import { readMigrations } from "../../ops/migrations/files.ts";
import { resetDatabase } from "../../ops/migrations/reset.ts";
import { withConnection } from "../../ops/sql.ts";
import { CliError, defineCommand, EXIT } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { jsonFlag, migrationsDirFlag, urlFlag } from "../flags.ts";
import { plural, printJson } from "../output.ts";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export const migrateReset = defineCommand({
  path: ["migrate", "reset"],
  summary: "DESTRUCTIVE, development only: drop the schema and apply every migration again.",
  details: [
    "Drops the database's current schema with all its data and migration history, recreates it",
    "and applies every migration, as `prisma migrate reset` does. Then seed with `npm run db:seed:dev`.",
    "",
    "Refuses unless APP_ENV is development or test, and refuses a database on another host unless",
    "APP_ENV=development is set explicitly. Needs --yes: there is no undo.",
    "",
    "Exit codes: 0 reset, 1 refused or failed, 2 bad usage.",
  ],
  flags: {
    yes: flag.boolean({ description: "Confirm that every row in the database may be lost." }),
    url: urlFlag,
    migrationsDir: migrationsDirFlag,
    json: jsonFlag,
  },
  async run(flags, ctx) {
    const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
    const appEnv = ctx.env.APP_ENV?.trim() || undefined;
    if (appEnv !== undefined && appEnv !== "development" && appEnv !== "test") {
      throw new CliError("RESET_REFUSED", `Refusing to reset a database with APP_ENV=${appEnv}; reset is for development databases only.`);
    }
    const host = new URL(target.url).hostname;
    if (appEnv === undefined && !LOCAL_HOSTS.has(host)) {
      throw new CliError("RESET_REFUSED", `Refusing to reset ${maskUrl(target.url)}: it is not on this machine; set APP_ENV=development if it really is a development database.`);
    }
    if (!flags.yes) {
      throw new CliError("CONFIRMATION_REQUIRED", `Resetting ${maskUrl(target.url)} deletes every row in it; run again with --yes to confirm.`);
    }
    const files = readMigrations(resolve(ctx.cwd, flags.migrationsDir));
    const log = flags.json ? undefined : ctx.stdout;
    const result = await withConnection(target.url, (db) => resetDatabase(db, files, log ? { log } : {}));
    if (flags.json) {
      printJson(ctx, { database: maskUrl(target.url), ...result });
    } else {
      ctx.stdout(`Reset ${maskUrl(target.url)}: applied ${plural(result.applied.length, "migration")}. Seed it with \`npm run db:seed:dev\`.`);
    }
    return EXIT.ok;
  },
});
