import type { Suite } from "../suite.ts";

export const bundleSuite: Suite = { name: "bundle", run: async () => [] };
