import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Each file has its own database; files run in parallel on the machine's cores.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
