import { execFileSync } from "node:child_process";
import { directUrlAdvice, HOSTED_ACCELERATE_RETIRED, isAccelerateUrl, isHostedAccelerateUrl, isPooledUrl, pooledUrlRefusal } from "../../db/url.ts";
import { connect } from "../sql.ts";
import { fail, failInProduction, pass, warn, type DoctorCheck } from "./check.ts";
import { DOCTOR_APPLICATION_NAME, type DoctorFacts } from "./facts.ts";

/**
 * The guide's Connection Setup as checks: a pooled DATABASE_URL for the app, a direct DIRECT_URL
 * for migrations, TLS to remote hosts, both answering, no retired hosted Accelerate, and .env kept
 * out of git. Every value is read raw from the environment: none of this may print a URL's secret.
 */

const raw = (facts: DoctorFacts, name: "DATABASE_URL" | "DIRECT_URL") => facts.env[name]?.trim() || undefined;

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

const isLocal = (url: string) => {
  const host = hostOf(url);
  return host !== undefined && (LOCAL_HOSTS.has(host) || host.endsWith(".localhost"));
};

const unparseable = (url: string) => hostOf(url) === undefined || !/^(postgres|postgresql|prisma|prisma\+postgres):\/\//i.test(url);

const configuration: DoctorCheck<DoctorFacts> = {
  group: "connections",
  name: "configuration",
  run: (facts) =>
    facts.configProblem
      ? fail(`${facts.configProblem.replace(/\.$/, "")}: fix these variables (the other checks used the defaults).`)
      : pass(`the other variables are valid (APP_ENV ${facts.config.APP_ENV}).`, { environment: facts.config.APP_ENV }),
};

const databaseUrl: DoctorCheck<DoctorFacts> = {
  group: "connections",
  name: "DATABASE_URL pooled",
  run(facts) {
    const url = raw(facts, "DATABASE_URL");
    const environment = facts.config.APP_ENV;
    if (!url) {
      const local = environment === "development" || environment === "test" ? "the app uses npm start's local database; in production " : "";
      return failInProduction(environment, `DATABASE_URL is not set: ${local}set the pooled URL (Neon: the -pooler host).`);
    }
    if (unparseable(url)) return fail("DATABASE_URL is not a postgresql:// (or prisma+postgres://) URL.");
    if (isHostedAccelerateUrl(url)) return fail("DATABASE_URL is hosted Prisma Accelerate, retired on 2026-12-01: see the hosted Accelerate check.");
    if (isAccelerateUrl(url)) return pass("DATABASE_URL is an Accelerate-protocol endpoint (it pools for the app).", { kind: "accelerate-protocol" });
    if (isPooledUrl(url)) return pass(`DATABASE_URL is pooled (${directUrlAdvice(url)?.pooler ?? "a pooler"}).`, { kind: "pooled" });
    if (isLocal(url)) return failInProduction(environment, "DATABASE_URL is a local direct connection: fine here; in production use the pooled URL (Neon: the -pooler host).", { kind: "direct" });
    return warn("DATABASE_URL is a direct connection: serverless functions should use the pooled URL (Neon: the -pooler host, Supabase: port 6543).", { kind: "direct" });
  },
};

const directUrl: DoctorCheck<DoctorFacts> = {
  group: "connections",
  name: "DIRECT_URL direct",
  run(facts) {
    const url = raw(facts, "DIRECT_URL");
    const app = raw(facts, "DATABASE_URL");
    if (!url) {
      if (!app) return warn("DIRECT_URL is not set: migrations use npm start's local database; in production set the direct URL.");
      const refusal = pooledUrlRefusal(app);
      if (refusal) return fail(`DIRECT_URL is not set and DATABASE_URL ${refusal}.`);
      return failInProduction(facts.config.APP_ENV, "DIRECT_URL is not set: migrations and backups fall back to DATABASE_URL; set DIRECT_URL to the direct URL.");
    }
    if (unparseable(url)) return fail("DIRECT_URL is not a postgresql:// URL.");
    const refusal = pooledUrlRefusal(url);
    if (refusal) return fail(`DIRECT_URL ${refusal}.`, { kind: isAccelerateUrl(url) ? "accelerate-protocol" : "pooled" });
    return pass("DIRECT_URL is a direct connection (for migrations, backups and recovery).", { kind: "direct" });
  },
};

const hostedAccelerate: DoctorCheck<DoctorFacts> = {
  group: "connections",
  name: "hosted Accelerate",
  run(facts) {
    const hosted = (["DATABASE_URL", "DIRECT_URL"] as const).filter((name) => {
      const url = raw(facts, name);
      return url !== undefined && isHostedAccelerateUrl(url);
    });
    if (hosted.length === 0) return pass("no URL points at hosted Prisma Accelerate (retired on 2026-12-01).");
    return fail(`${hosted.join(" and ")} ${HOSTED_ACCELERATE_RETIRED}.`, { variables: hosted });
  },
};

/** Neon's connection strings carry sslmode=require and channel_binding=require (its console's "Connect" dialog). */
const sslmode: DoctorCheck<DoctorFacts> = {
  group: "connections",
  name: "sslmode",
  run(facts) {
    const urls = (["DATABASE_URL", "DIRECT_URL"] as const)
      .map((name) => ({ name, url: raw(facts, name) }))
      .filter((u): u is { name: "DATABASE_URL" | "DIRECT_URL"; url: string } => u.url !== undefined && !isAccelerateUrl(u.url) && !unparseable(u.url));
    const remote = urls.filter((u) => !isLocal(u.url));
    if (remote.length === 0) return failInProduction(facts.config.APP_ENV, "only a local database: no TLS needed here; a remote host needs sslmode=require.");
    const withoutTls = remote.filter((u) => !/^(require|verify-ca|verify-full)$/.test(new URL(u.url).searchParams.get("sslmode") ?? ""));
    if (withoutTls.length) return fail(`${withoutTls.map((u) => u.name).join(" and ")} reach a remote host without sslmode=require: add ?sslmode=require.`);
    const neonWithoutBinding = remote.filter((u) => hostOf(u.url)?.endsWith(".neon.tech") && new URL(u.url).searchParams.get("channel_binding") !== "require");
    if (neonWithoutBinding.length) return warn(`${neonWithoutBinding.map((u) => u.name).join(" and ")} lack channel_binding=require, which Neon's connection strings carry: add it.`);
    return pass(`${remote.map((u) => u.name).join(" and ")} require TLS (sslmode=require).`);
  },
};

/** Each URL a connection is made with, timed: opening it, then one round trip. */
const reachable: DoctorCheck<DoctorFacts> = {
  group: "connections",
  name: "reachable",
  async run(facts) {
    const candidates: { name: string; url: string }[] = [];
    const app = raw(facts, "DATABASE_URL");
    const direct = raw(facts, "DIRECT_URL");
    if (app && !isAccelerateUrl(app) && !unparseable(app)) candidates.push({ name: "DATABASE_URL", url: app });
    if (direct && !pooledUrlRefusal(direct) && !unparseable(direct)) candidates.push({ name: "DIRECT_URL", url: direct });
    if (!app && !direct && "url" in facts.target) candidates.push({ name: "npm start's database", url: facts.target.url });
    if (candidates.length === 0) {
      // Nothing configured and npm start not running: there is no database at all.
      if (!app && !direct && "problem" in facts.target) return fail(`${facts.target.problem}.`);
      return warn("no postgresql:// URL to connect to: a pooled DIRECT_URL or an Accelerate-protocol endpoint is not connected to.");
    }
    const results = await Promise.all(candidates.map(async (c) => ({ name: c.name, ...(await timeConnection(c.url)) })));
    const detail = Object.fromEntries(results.map((r) => [r.name, "error" in r ? { reachable: false, error: r.error } : { reachable: true, connectMs: r.connectMs, roundTripMs: r.roundTripMs }]));
    const down = results.filter((r) => "error" in r);
    if (down.length) return fail(`${down.map((r) => `${r.name} did not answer (${"error" in r ? r.error : ""})`).join("; ")}.`, detail);
    return pass(`${results.map((r) => `${r.name} answered in ${"connectMs" in r ? `${r.connectMs} ms (round trip ${r.roundTripMs} ms)` : ""}`).join(", ")}.`, detail);
  },
};

async function timeConnection(url: string): Promise<{ connectMs: number; roundTripMs: number } | { error: string }> {
  const began = performance.now();
  try {
    const db = await connect(url, { connectTimeoutMs: 3_000, applicationName: DOCTOR_APPLICATION_NAME });
    const connected = performance.now();
    try {
      await db.query("SELECT 1");
      return { connectMs: Math.round(connected - began), roundTripMs: Math.round(performance.now() - connected) };
    } finally {
      await db.close().catch(() => {});
    }
  } catch (error) {
    // node-postgres's messages name the host at most, never the password; index.ts redacts anyway.
    return { error: ((error as Error).message || (error as { code?: string }).code || String(error)).split("\n")[0] as string };
  }
}

const envNotTracked: DoctorCheck<DoctorFacts> = {
  group: "connections",
  name: ".env not tracked",
  run(facts) {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: facts.cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    try {
      git("rev-parse", "--is-inside-work-tree");
    } catch {
      return pass("not a git work tree: nothing can commit .env here.");
    }
    try {
      git("ls-files", "--error-unmatch", ".env");
      return fail(".env is tracked by git, so its secrets are in the history: `git rm --cached .env`, add it to .gitignore and rotate its passwords.");
    } catch {
      // --error-unmatch exits 1 for a file git does not track: the good case.
    }
    try {
      git("check-ignore", "-q", ".env");
      return pass(".env is not tracked and .gitignore covers it.");
    } catch {
      return warn(".env is not tracked but .gitignore does not cover it: add .env to .gitignore.");
    }
  },
};

export const CONNECTION_CHECKS = [configuration, databaseUrl, directUrl, hostedAccelerate, sslmode, reachable, envNotTracked];
