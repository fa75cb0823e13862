import type { Suite } from "../suite.ts";

export const workerSuite: Suite = { name: "worker", run: async () => [] };
