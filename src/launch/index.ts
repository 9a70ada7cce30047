export { buildPostGraphileArgs, pluginFlags, pluginsIn, shellQuote, shellLine } from './args';
export type { ArgsInput } from './args';
export { locatePostGraphile, assertPluginsLoadable } from './locate';
export type { PostGraphileInstall } from './locate';
export { launchInProcess } from './v4';
export { prepare, allKeys, isPostGraphileWorker } from './prepare';
export type { Prepared, PrepareOptions, SettingSources } from './prepare';
export { postgraphileArgsFor, launchWithPlugin } from './run';
