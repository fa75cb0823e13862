export { SelfHostedRecovery, type SelfHostedOptions } from "./provider.ts";
export { archivingSettings, archiveCommand, restoreCommand } from "./archiving.ts";
export { embeddedArchivingSettings, ensureBaseBackup } from "./embedded.ts";
export type { BackupRecord, BranchRecord } from "./state.ts";
// For npm start: a restore of the embedded primary leaves a server that npm start did not spawn.
export { runningPid, stopServer } from "./server.ts";
