import type { Suite } from "../suite.ts";

export const recoverySuite: Suite = { name: "recovery", run: async () => [] };
