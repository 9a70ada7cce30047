import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { DEFAULT_TIMING, pauseAt, TIMING } from '../../src/timing';
import { ROOT } from '../helpers/cli';

/** TIMING as a fresh process sees it, after `before` ran (no test preload). */
function timingIn(before: string, env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const { NODE_OPTIONS: _preload, ...rest } = process.env;
  const r = spawnSync(process.execPath, ['-e', `${before}; console.log(JSON.stringify(require('./dist/timing.js').TIMING))`], {
    cwd: ROOT,
    env: { ...rest, ...env },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('timing', () => {
  test("users' values: a 10 s refetch window, 5 s per request, 15 s for a start-up fetch", () => {
    assert.deepEqual(DEFAULT_TIMING, {
      refetchWindowMs: 10_000,
      freshCopyRefreshDelayMs: 1000,
      refreshRetryMs: [5_000, 30_000, 60_000],
      fetchAttemptTimeoutMs: 5_000,
      startupFetchDeadlineMs: 15_000,
      refetchDeadlineMs: 5_000,
      fetchBackoffMs: [250, 1000, 2000],
      startupLoadAfterConnectMs: 5,
      startupLoadLatestMs: 5_000,
    });
  });

  test('without the test preload a process gets them, whatever its environment says', () => {
    assert.deepEqual(timingIn('', { POSTGRAPHILE_COGNITO_REFETCH_WINDOW_MS: '1', REFETCH_WINDOW_MS: '1' }), DEFAULT_TIMING);
  });

  test("the preload's global, set before loading, changes only the keys it names and knows", () => {
    const seen = timingIn("globalThis[Symbol.for('postgraphile-cognito.test-timing')] = { refetchWindowMs: 123, nonsense: 1 }");
    assert.deepEqual(seen, { ...DEFAULT_TIMING, refetchWindowMs: 123 });
  });

  test('this test process runs with the shorter values of test/helpers/timing-preload.cjs', () => {
    assert.ok(TIMING.refetchWindowMs < DEFAULT_TIMING.refetchWindowMs, JSON.stringify(TIMING));
  });

  test('pauseAt repeats the last pause', () => {
    assert.deepEqual([0, 1, 2, 3, 9].map((i) => pauseAt([5, 30, 60], i)), [5, 30, 60, 60, 60]);
  });
});
