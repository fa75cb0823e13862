export { NeonRecoveryProvider, type NeonRecoveryOptions } from "./provider.ts";
export { startNeonEmulator, type NeonEmulator } from "./emulator/server.ts";
export type { RecordedRequest } from "./emulator/app.ts";
export type { EmulatorBackend, NeonEmulatorOptions } from "./emulator/options.ts";
