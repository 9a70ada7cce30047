export { buildPostGraphileArgs, pluginFlags, pluginsIn, shellQuote, shellLine } from './args';
export type { ArgsInput } from './args';
export { locatePostGraphile, assertPluginsLoadable, assertNodeFor } from './locate';
export type { PostGraphileInstall } from './locate';
export { launchInProcess } from './in-process';
export { prepare, prepareConfig, allKeys, isPostGraphileWorker } from './prepare';
export type { Prepared, Configured, PrepareOptions, SettingSources } from './prepare';
export { postgraphileArgsFor, planServer, runServer, launch } from './run';
export type { ServerPlan } from './run';
