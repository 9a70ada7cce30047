import assert from 'node:assert/strict';
import { ARGS_FAILED } from '../../src/cli/commands/args';
import type { CliResult } from './cli';
import { assertCleanError, show } from './cli-assert';

/** What a failed `args` prints on stdout: the one word PostGraphile refuses (see src/cli/commands/args.ts). */
export const ARGS_FAILED_LINE = `${ARGS_FAILED}\n`;

/** A failed `args`: that word alone on stdout, and otherwise a clean error as assertCleanError says. */
export function assertArgsFailed(r: CliResult, code: number, ...patterns: RegExp[]): void {
  assert.equal(r.stdout, ARGS_FAILED_LINE, show(r));
  assertCleanError({ ...r, stdout: '' }, code, ...patterns);
}
