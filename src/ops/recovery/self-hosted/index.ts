export { SelfHostedRecovery, type SelfHostedOptions } from "./provider.ts";
export { archivingSettings, archiveCommand, restoreCommand } from "./archiving.ts";
export { embeddedArchivingSettings, ensureBaseBackup } from "./embedded.ts";
export type { BackupRecord, BranchRecord } from "./state.ts";
