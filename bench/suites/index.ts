import type { Suite } from "../suite.ts";
import { backupSuite } from "./backup.ts";
import { bundleSuite } from "./bundle.ts";
import { httpSuite } from "./http.ts";
import { recoverySuite } from "./recovery.ts";
import { retentionSuite } from "./retention.ts";
import { statementsSuite } from "./statements.ts";
import { workerSuite } from "./worker.ts";

/** In the order they run: the ones that only read first; retention (which deletes) after them. */
export const SUITES: readonly Suite[] = [httpSuite, statementsSuite, workerSuite, retentionSuite, backupSuite, recoverySuite, bundleSuite];
