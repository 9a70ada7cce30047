export { buildPostGraphileArgs, pluginFlags, pluginsIn, shellQuote, shellLine } from './args';
export type { ArgsInput } from './args';
export { locatePostGraphile, assertPluginsLoadable } from './locate';
export type { PostGraphileInstall } from './locate';
export { launchInProcess } from './launch';
export { assertConnectionGiven } from './connection';
