import type { Suite } from "../suite.ts";

export const retentionSuite: Suite = { name: "retention", run: async () => [] };
