import { z } from "zod";
import { maskUrl } from "../../env.ts";
import { getMaintenance, setMaintenance, type MaintenanceState } from "../../ops/maintenance.ts";
import { withConnection, type SqlClient } from "../../ops/sql.ts";
import { defineCommand, EXIT, type CliContext } from "../command.ts";
import { resolveDatabaseUrl } from "../database-url.ts";
import { flag } from "../flag.ts";
import { jsonFlag, urlFlag } from "../flags.ts";
import { printJson } from "../output.ts";

const connectionFlags = { url: urlFlag, json: jsonFlag };

/** Reads or flips the switch in the live database, then reports the state it is in. */
async function switchMaintenance(flags: { url?: string | undefined; json: boolean }, ctx: CliContext, change: (db: SqlClient) => Promise<MaintenanceState>): Promise<MaintenanceState> {
  const target = resolveDatabaseUrl(flags.url, ctx.env, ctx);
  const state = await withConnection(target.url, change);
  const database = maskUrl(target.url);
  if (flags.json) printJson(ctx, { database, ...state });
  else {
    ctx.stdout(
      state.enabled
        ? `Maintenance is ON for ${database}: API writes answer 503, reads keep working.${state.message ? ` Message: ${state.message}` : ""}`
        : `Maintenance is OFF for ${database}: the API accepts writes.`,
    );
  }
  return state;
}

export const maintenanceOn = defineCommand({
  path: ["maintenance", "on"],
  summary: "Stop the bleeding: API writes answer 503 with Retry-After; reads keep working.",
  details: [
    "Sets the maintenance switch in the database, so every API instance sees it on its next write.",
    "Login and logout keep working; /health/ready reports the switch.",
    "",
    "Exit codes: 0 switched, 1 an error, 2 bad usage.",
  ],
  flags: {
    message: flag.string(z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters").optional(), {
      valueName: "<text>",
      description: "What API clients are told (default: a generic sentence).",
    }),
    ...connectionFlags,
  },
  async run(flags, ctx) {
    await switchMaintenance(flags, ctx, (db) => setMaintenance(db, true, flags.message ?? null));
    return EXIT.ok;
  },
});

export const maintenanceOff = defineCommand({
  path: ["maintenance", "off"],
  summary: "End maintenance: the API accepts writes again.",
  details: ["Exit codes: 0 switched, 1 an error, 2 bad usage."],
  flags: connectionFlags,
  async run(flags, ctx) {
    await switchMaintenance(flags, ctx, (db) => setMaintenance(db, false, null));
    return EXIT.ok;
  },
});

export const maintenanceStatus = defineCommand({
  path: ["maintenance", "status"],
  summary: "Show whether maintenance is on.",
  details: ["Exit codes: 0 off, 1 on (or an error), 2 bad usage: scripts can wait for it."],
  flags: connectionFlags,
  async run(flags, ctx) {
    const state = await switchMaintenance(flags, ctx, getMaintenance);
    return state.enabled ? EXIT.failure : EXIT.ok;
  },
});
