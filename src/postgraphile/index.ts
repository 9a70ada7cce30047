export { buildPostGraphileArgs, shellQuote, shellLine } from './args';
export type { ArgsInput } from './args';
export { locatePostGraphile } from './locate';
export type { PostGraphileInstall } from './locate';
export { launchInProcess } from './launch';
