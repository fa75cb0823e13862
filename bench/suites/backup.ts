import type { Suite } from "../suite.ts";

export const backupSuite: Suite = { name: "backup", run: async () => [] };
