import * as path from 'node:path';

/** Where the compiled plugin lives; `run` and `args` pass it to --plugins. */
export const PLUGIN_PATH = path.join(__dirname, 'index.js');
