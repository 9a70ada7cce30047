'use strict';
/**
 * Loaded into every test process, and through NODE_OPTIONS into every process
 * the tests start: shortens postgraphile-cognito's waits and windows
 * (src/timing.ts), so tests wait for events instead of sitting out a
 * ten-second refetch window. Values stay long enough for a loaded machine:
 * a JWKS request on loopback gets 2 s.
 */
globalThis[Symbol.for('postgraphile-cognito.test-timing')] = {
  refetchWindowMs: 1000,
  refreshRetryMs: [250, 500, 1000],
  fetchAttemptTimeoutMs: 2000,
  startupFetchDeadlineMs: 4000,
  refetchDeadlineMs: 2000,
  fetchBackoffMs: [100, 200, 400],
};
