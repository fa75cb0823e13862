import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../../src/ops/embedded/postgres.ts";
import { connect } from "../../src/ops/sql.ts";
import { postgresPidsUnder, stopPostgresUnder } from "../ops/recovery-neon/processes.ts";
import { npmStart, type NpmStart } from "../support/npm-start.ts";
import { copyProject } from "../support/project-copy.ts";
import { REPO_ROOT } from "./run-dbctl.ts";

/**
 * The README's contract with a newcomer: `npm start` in one terminal with nothing configured,
 * then every `npx dbctl` example of the README, read from it now, in its order, as written, in a
 * second process (`node bin/dbctl.mjs` is what `npx dbctl` runs). Only placeholders are filled
 * in: `<file>` (the backup the examples just made), the optional `[...]` parts (table below),
 * and the example moment of `recovery branch --at` (a real moment inside the restore window).
 * It runs in a copy of the project: `migrate new` adds files and `migrate reset --yes` drops
 * data there, never in the repository. The disaster-recovery sequence runs against npm start's
 * own embedded database and WAL archive.
 */
const root = mkdtempSync(join(tmpdir(), "readme-examples-"));
// mkdtemp makes the folder private; PostgreSQL runs as the postgres user and must enter it.
chmodSync(root, 0o755);
const project = copyProject(join(root, "project"));
const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };

/** Each optional part of a README example, as the test runs it. */
const OPTIONAL_PARTS: Record<string, string> = {
  "[--steps N | --to <name>]": "--steps 1",
  // Dry runs are what the bare commands preview; the examples run for real.
  "[--dry-run]": "",
  "[--format custom|plain]": "",
  "[--schema-only | --data-only]": "",
  "[--table T ...]": "",
  // A full backup restores over the live schema only with --clean (the database has those tables).
  "[--clean]": "--clean",
};

interface Example {
  line: number;
  text: string;
  /** The command's words after `dbctl`, e.g. "migrate status" ("" for `dbctl --help`). */
  command: string;
}

function readmeExamples(): Example[] {
  const lines = readFileSync(join(REPO_ROOT, "README.md"), "utf8").split("\n");
  const examples: Example[] = [];
  let inBash = false;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith("```")) {
      inBash = !inBash && line === "```bash";
      return;
    }
    if (!inBash || !line.startsWith("npx dbctl")) return;
    const words = line.split(/\s+/).slice(2);
    const end = words.findIndex((word) => !/^[a-z][a-z-]*$/.test(word));
    examples.push({ line: index + 1, text: line, command: words.slice(0, Math.min(2, end === -1 ? words.length : end)).join(" ") });
  });
  return examples;
}

const examples = readmeExamples();

let server: NpmStart;
let apiPort: number;
let liveUrl: string;
let newMigration: string | undefined;
let lastBackup: string | undefined;
let moment: Date | undefined;
const printed: string[] = [];

beforeAll(async () => {
  apiPort = await freePort();
  server = npmStart(project, { PORT: String(apiPort), EMBEDDED_PG_PORT: String(await freePort()), PBKDF2_ITERATIONS: "10000" });
  await server.ready();
  const record = JSON.parse(readFileSync(join(project, ".data/local-database.json"), "utf8")) as { port: number };
  liveUrl = `postgresql://postgres:postgres@127.0.0.1:${record.port}/app`;
}, 180_000);

afterAll(async () => {
  try {
    expect(await server?.stop()).toBe(0);
    expect(postgresPidsUnder(root)).toEqual([]);
    // Every line above printed the connection string masked, never the password.
    expect(printed.join("\n")).not.toContain("postgres:postgres@");
  } finally {
    stopPostgresUnder(root);
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);

it("the README has dbctl examples for migrations, backups and recovery", () => {
  expect(examples.map((e) => e.command)).toEqual(expect.arrayContaining(["migrate deploy", "backup create", "recovery branch", "recovery promote", "recovery drill"]));
});

/** The example as the shell runs it, with its placeholders filled in. */
function asRun(example: Example): string {
  let command = example.text.replace(/\s+#.*$/, "").replace(/^npx dbctl\b/, "node bin/dbctl.mjs");
  for (const [part, value] of Object.entries(OPTIONAL_PARTS)) command = command.split(part).join(value);
  if (command.includes("<file>")) {
    if (!lastBackup) throw new Error(`README line ${example.line} needs a backup file, but no example before it made one.`);
    command = command.split("<file>").join(lastBackup);
  }
  command = command.replace(/--at \d{4}-\d{2}-\d{2}T[\d:.]+Z/, () => {
    if (!moment) throw new Error(`README line ${example.line} restores a moment, but none was taken.`);
    return `--at ${moment.toISOString()}`;
  });
  const unknown = /<[^>]+>|\[[^\]]+\]/.exec(command);
  if (unknown) throw new Error(`README line ${example.line} has a placeholder this test does not fill in: ${unknown[0]}; add it to OPTIONAL_PARTS.`);
  return command.replace(/\s+/g, " ").trim();
}

/** Runs one line in bash in the project copy, bounded in time (the whole process group is stopped on timeout). */
function shell(command: string, timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { cwd: project, env: baseEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      process.kill(-(child.pid as number), "SIGKILL");
      reject(new Error(`\`${command}\` did not finish within ${timeoutMs / 1000} s:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

async function sql<T extends object>(query: string, params: unknown[] = []): Promise<T[]> {
  const db = await connect(liveUrl);
  try {
    return (await db.query<T>(query, params)).rows;
  } finally {
    await db.close();
  }
}

const signup = (email: string) =>
  fetch(`http://127.0.0.1:${apiPort}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "a-password-of-length" }),
  }).then((r) => r.status);

const users = async () => (await sql<{ email: string }>(`SELECT email FROM "User" ORDER BY email`)).map((u) => u.email);
const folders = (dir: string) => readdirSync(join(project, dir)).filter((name) => /^\d{14}_/.test(name));
const dumps = () => readdirSync(join(project, "backups")).filter((name) => /\.(dump|sql)$/.test(name));

/**
 * What each example must do beyond exiting as expected: its effect where one can be seen, else
 * what it answers. A command the table does not know must exit 0 and print something.
 */
interface Expectation {
  before?: () => Promise<void>;
  code?: () => number;
  after: (run: { stdout: string; stderr: string }) => Promise<void> | void;
}

const EXPECTATIONS: Record<string, Expectation> = {
  "": { after: ({ stdout }) => expect(stdout).toContain("migrate deploy") },
  "migrate new": {
    after: ({ stdout }) => {
      newMigration = folders("prisma/migrations").find((name) => name.endsWith("_add_user_avatar_column"));
      expect(newMigration, stdout).toBeDefined();
      expect(existsSync(join(project, "migrations-rollback", newMigration as string, "rollback.sql"))).toBe(true);
    },
  },
  "migrate lint": { after: ({ stdout }) => expect(stdout).toMatch(/\b0 errors\b/) },
  "migrate status": {
    // The README's own comment: exit 1 unless up to date, and the `migrate new` example before it
    // has just added a migration that is not applied yet.
    code: () => (newMigration && !applied.has(newMigration) ? 1 : 0),
    after: ({ stdout }) => {
      for (const name of folders("prisma/migrations")) expect(stdout).toContain(name);
    },
  },
  // The `migrate new` example's migration is pending: traced on a scratch copy, rehearsed on a
  // branch of npm start's database that is gone afterwards, the live database untouched.
  "migrate trace": { after: ({ stdout }) => expect(stdout).toContain(`${newMigration}  (in one transaction`) },
  "migrate rehearse": {
    after: async ({ stdout }) => {
      expect(stdout).toMatch(/Rehearsed 1 migration on branch rehearse-\d{14}-[0-9a-f]{4} \(deleted\)/);
      expect(await sql(`SELECT 1 FROM _prisma_migrations WHERE migration_name = $1`, [newMigration])).toEqual([]);
    },
  },
  "migrate deploy": {
    after: async () => {
      const rows = await sql<{ migration_name: string }>(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
      for (const row of rows) applied.add(row.migration_name);
      expect([...applied].sort()).toEqual(folders("prisma/migrations").sort());
    },
  },
  "migrate rollback": {
    after: async () => {
      const [newest] = await sql<{ migration_name: string; rolled_back_at: Date | null }>(`SELECT migration_name, rolled_back_at FROM _prisma_migrations ORDER BY started_at DESC LIMIT 1`);
      expect(newest?.migration_name).toBe(newMigration);
      expect(newest?.rolled_back_at).not.toBeNull();
    },
  },
  "migrate verify": {
    after: ({ stdout }) => {
      for (const name of folders("prisma/migrations")) expect(stdout).toContain(name);
    },
  },
  "migrate reset": {
    after: async () => {
      expect(await users()).toEqual([]);
      const rows = await sql<{ n: number }>(`SELECT count(DISTINCT migration_name)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
      expect(rows[0]?.n).toBe(folders("prisma/migrations").length);
    },
  },
  "backup create": {
    after: () => {
      const newest = dumps().sort().at(-1);
      expect(newest).toBeDefined();
      lastBackup = join("backups", newest as string);
      expect(existsSync(join(project, `${lastBackup}.manifest.json`))).toBe(true);
    },
  },
  "backup list": { after: ({ stdout }) => expect(stdout).toContain(basename(lastBackup ?? "(none)")) },
  "backup verify": {
    after: () => {
      const manifest = JSON.parse(readFileSync(join(project, `${lastBackup}.manifest.json`), "utf8")) as { verification: { state: string } };
      expect(manifest.verification.state).toBe("verified");
    },
  },
  "backup prune": { after: () => expect(existsSync(join(project, lastBackup ?? "(none)"))).toBe(true) },
  "backup restore": {
    before: async () => {
      dumpsBeforeRestore = dumps().length;
    },
    // The restore takes a safety backup of the target first.
    after: () => expect(dumps().length).toBe(dumpsBeforeRestore + 1),
  },
  "maintenance on": {
    before: async () => {
      // The story of the recovery examples: a good write, the moment to go back to, then the incident.
      expect(await signup("before-the-incident@example.com")).toBe(201);
      await sleep(1_100);
      moment = new Date();
      await sleep(1_100);
      expect(await signup("the-incident@example.com")).toBe(201);
    },
    after: async () => expect(await signup("during-maintenance@example.com")).toBe(503),
  },
  "recovery window": { after: ({ stdout }) => expect(stdout).toContain("self-hosted") },
  "recovery branch": { after: ({ stdout }) => expect(stdout).toContain(moment?.toISOString() ?? "(no moment)") },
  "recovery verify": { after: ({ stdout }) => expect(stdout).toMatch(/healthy/) },
  "recovery promote": {
    after: async () => {
      const live = await users();
      expect(live).toContain("before-the-incident@example.com");
      expect(live).not.toContain("the-incident@example.com");
    },
  },
  "maintenance off": {
    // The promoted primary restarted under the app: its pool reconnects on the next requests.
    after: async () => {
      await expect.poll(() => signup(`after-recovery-${Date.now()}@example.com`), { timeout: 30_000, interval: 500 }).toBe(201);
    },
  },
  "recovery delete": {
    after: async () => {
      const window = await shell("node bin/dbctl.mjs recovery window --json");
      const branches = (JSON.parse(window.stdout) as { branches: { name: string }[] }).branches.map((b) => b.name);
      expect(branches).toContain("main");
      expect(branches).not.toContain("before-incident");
    },
  },
  "recovery drill": {
    // npm start's history is younger than --minutes here: the drill restores its newest moment.
    after: ({ stdout }) => expect(stdout).toMatch(/PASSED: restored \S+ \(the newest restorable moment/),
  },
};

const applied = new Set<string>();
let dumpsBeforeRestore = 0;

for (const example of examples) {
  it(`README line ${example.line}: ${example.text}`, { timeout: 300_000 }, async () => {
    const expectation = EXPECTATIONS[example.command];
    const command = asRun(example);
    await expectation?.before?.();
    const run = await shell(command);
    const report = `${command}\n${run.stdout}${run.stderr}`;
    expect(run.code, report).toBe(expectation?.code?.() ?? 0);
    expect(run.stdout.trim(), report).not.toBe("");
    // A line that used the database named npm start's, masked, on stderr.
    for (const line of run.stderr.split("\n").filter((l) => l.startsWith("Using the database of npm start"))) {
      expect(line).toBe(`Using the database of npm start: ${liveUrl.replace(":postgres@", ":****@")} (.data/postgres)`);
    }
    await expectation?.after(run);
  });
}
