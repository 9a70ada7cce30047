/**
 * Every wait and window of fetching and caching keys, in one place. Users
 * get these values, on purpose with no flag or environment variable to change
 * them. The test suite's preload script (test/helpers/timing-preload.cjs)
 * shortens them by setting a global before any module is loaded, so tests
 * wait for events instead of sitting out ten-second windows.
 */
export interface Timing {
  /** The key cache starts at most one refetch within this window (the penalty box for unknown kids). */
  refetchWindowMs: number;
  /** After a start from a recent cached copy, its refresh waits this long, so PostGraphile answers first. */
  freshCopyRefreshDelayMs: number;
  /** Pauses between further tries of that refresh while the JWKS cannot be fetched; the last repeats. */
  refreshRetryMs: readonly number[];
  /** Longest single JWKS request. */
  fetchAttemptTimeoutMs: number;
  /** A start-up fetch, retries included, ends within this. */
  startupFetchDeadlineMs: number;
  /** A refetch while serving ends within this. */
  refetchDeadlineMs: number;
  /** Pauses between start-up fetch attempts; the last repeats. */
  fetchBackoffMs: readonly number[];
  /**
   * run's concurrent start on PostGraphile v4: the keys' load begins this
   * long after PostGraphile's pool hands out its first client (for its
   * introspection), so that the load's CPU falls into the wait for
   * PostgreSQL's answer instead of before it; a request with a token begins
   * it at once.
   */
  startupLoadAfterConnectMs: number;
  /** ...and at the latest this long after the plugin is loaded, should the pool never connect. */
  startupLoadLatestMs: number;
}

/** What users get. */
export const DEFAULT_TIMING: Readonly<Timing> = Object.freeze({
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

/** The global the test preload sets; not an interface for users. */
const TEST_OVERRIDES = Symbol.for('postgraphile-cognito.test-timing');

function overrides(): Partial<Timing> {
  const given = (globalThis as Record<symbol, unknown>)[TEST_OVERRIDES];
  if (typeof given !== 'object' || given === null) return {};
  return Object.fromEntries(Object.entries(given).filter(([key]) => key in DEFAULT_TIMING)) as Partial<Timing>;
}

export const TIMING: Readonly<Timing> = Object.freeze({ ...DEFAULT_TIMING, ...overrides() });

/** The pause before try `index` (0-based) of a list whose last entry repeats. */
export function pauseAt(pauses: readonly number[], index: number): number {
  return pauses[Math.min(index, pauses.length - 1)] ?? 0;
}
