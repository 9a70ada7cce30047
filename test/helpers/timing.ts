import * as path from 'node:path';

/** The preload that shortens the product's waits in tests (see the file). */
export const TIMING_PRELOAD = path.join(__dirname, 'timing-preload.cjs');

const LOADED = Symbol.for('postgraphile-cognito.test-timing');

/** `env` with NODE_OPTIONS loading the preload, so a started process gets the tests' timing too. */
export function withTimingPreload(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, NODE_OPTIONS: `--require ${JSON.stringify(TIMING_PRELOAD)}` };
}

/** Whether this process runs with the preload (test/run.ts starts every test file so). */
export function timingPreloaded(): boolean {
  return (globalThis as Record<symbol, unknown>)[LOADED] !== undefined;
}
