export { NeonRecoveryProvider, type NeonRecoveryOptions } from "./provider.ts";
export { startNeonEmulator, type EmulatorBackend, type NeonEmulator, type NeonEmulatorOptions, type RecordedRequest } from "./emulator.ts";
