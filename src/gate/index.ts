export { Gate } from './gate';
export type { GateSource, StartupOptions } from './gate';
export { checkToken } from './check';
export type { Verdict } from './check';
export { gateSourceFromEnvironment } from './source';
export type { EnvironmentInput } from './source';
export { setHandover, takeHandover } from './handover';
export type { Handover } from './handover';
export { verifierOver } from './static';
