import { DEFAULT_MIN_WINDOW_DAYS } from "../../jobs/recovery-jobs.ts";
import { NoRestoreWindowError, type RestoreWindow } from "../recovery/provider.ts";
import { fail, failInProduction, pass, type DoctorCheck } from "./check.ts";
import type { DoctorFacts } from "./facts.ts";

/**
 * The guide's point-in-time recovery as checks: the provider's restore window reaching back at
 * least the policy (PITR_MIN_WINDOW_DAYS, else the pitr-check job's defaults), read only (the
 * pitr-check job also forces a WAL switch; the doctor changes nothing), and the last drill passed.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

const noProvider = "no recovery provider here: set NEON_API_KEY and NEON_PROJECT_ID, or start the database with archiving (npm start sets it up in RECOVERY_DIR)";

const window: DoctorCheck<DoctorFacts> = {
  group: "recovery",
  name: "PITR window",
  async run(facts) {
    const policyDays = facts.config.PITR_MIN_WINDOW_DAYS ?? DEFAULT_MIN_WINDOW_DAYS[facts.config.APP_ENV];
    if (!facts.capabilities.recovery) return failInProduction(facts.config.APP_ENV, `${noProvider}.`, { policyDays });
    const provider = await facts.capabilities.recovery();
    let restorable: RestoreWindow;
    try {
      restorable = await provider.restoreWindow();
    } catch (error) {
      // A new database (npm start's first minutes): nothing archived yet is not broken, only young.
      if (!(error instanceof NoRestoreWindowError)) throw error;
      return failInProduction(facts.config.APP_ENV, `${error.message.replace(/\.$/, "")}: it opens with the first archived write.`, { provider: provider.kind, policyDays });
    }
    const { from, to } = restorable;
    const windowDays = (facts.now.getTime() - from.getTime()) / DAY_MS;
    const detail = { provider: provider.kind, from: from.toISOString(), to: to.toISOString(), windowDays: Math.round(windowDays * 100) / 100, policyDays };
    if (windowDays < policyDays) {
      return failInProduction(
        facts.config.APP_ENV,
        `the ${provider.kind} restore window reaches back ${windowDays.toFixed(1)} days, less than the policy's ${policyDays}: raise the history retention (Neon) or RECOVERY_WINDOW_DAYS.`,
        detail,
      );
    }
    return pass(`the ${provider.kind} restore window reaches back ${windowDays.toFixed(1)} days (policy: ${policyDays}).`, detail);
  },
};

const drill: DoctorCheck<DoctorFacts> = {
  group: "recovery",
  name: "last drill passed",
  async run(facts) {
    const last = (await facts.latestRuns()).get("recovery-drill");
    if (!last) return failInProduction(facts.config.APP_ENV, "no recovery drill has run: run `dbctl jobs run recovery-drill` to prove a restore works.");
    const detail = { startedAt: last.startedAt.toISOString(), outcome: last.outcome };
    if (last.outcome === "failed") return fail(`the last recovery drill (${detail.startedAt}) failed: ${(last.error ?? "see dbctl jobs history").replace(/\.$/, "")}.`, detail);
    if (last.outcome !== "succeeded") {
      return failInProduction(facts.config.APP_ENV, `the last recovery drill (${detail.startedAt}) ${last.outcome ?? "has not finished"}: run \`dbctl jobs run recovery-drill\`.`, detail);
    }
    return pass(`the last recovery drill passed (${detail.startedAt}).`, detail);
  },
};

export const RECOVERY_CHECKS = [window, drill];
