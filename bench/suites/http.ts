import type { Suite } from "../suite.ts";

export const httpSuite: Suite = { name: "http", run: async () => [] };
