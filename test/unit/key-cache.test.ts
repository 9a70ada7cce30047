import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { KeyCache, MIN_REFETCH_INTERVAL_MS } from '../../src/jwks/cache';
import { DEFAULT_TIMING, TIMING } from '../../src/timing';
import { ValidatedJwks } from '../../src/jwks/validate';
import { jwksOf, sharedKey } from './helpers';

/** The window a cache gets by default (the tests' shorter one under npm test). */
const WINDOW = MIN_REFETCH_INTERVAL_MS;
const k1 = sharedKey('k1');
const k2 = sharedKey('k2');
const k3 = sharedKey('k3');

/** A fake JWKS endpoint: counts calls, serves whatever `current` is, or fails on demand. */
function fakeLoader(initial: ValidatedJwks) {
  const state = {
    current: initial,
    calls: 0,
    fail: null as Error | null,
    /** When set, each load waits for this before answering. */
    gate: null as Promise<void> | null,
  };
  const load = async (): Promise<ValidatedJwks> => {
    state.calls++;
    if (state.gate) await state.gate;
    if (state.fail) throw state.fail;
    return state.current;
  };
  return { state, load };
}

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe('KeyCache', () => {
  test("users' refetch window is 10 seconds; the tests run with a shorter one", () => {
    assert.equal(DEFAULT_TIMING.refetchWindowMs, 10_000);
    assert.equal(MIN_REFETCH_INTERVAL_MS, TIMING.refetchWindowMs);
  });

  test('a known kid is served from memory without a fetch', async () => {
    const { state, load } = fakeLoader(jwksOf(k1, k2));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now });
    cache.prime(jwksOf(k1, k2));
    for (let i = 0; i < 5; i++) {
      clock.t += 60_000;
      const key = await cache.getKey('k2');
      assert.ok(key?.equals(k2.publicKey));
    }
    assert.equal(state.calls, 0);
    assert.equal(cache.fetchCount, 0);
  });

  test('an unknown kid triggers exactly one fetch, which can bring the key', async () => {
    const { state, load } = fakeLoader(jwksOf(k1, k2, k3));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now });
    cache.prime(jwksOf(k1, k2), clock.t - 60_000);
    const key = await cache.getKey('k3');
    assert.ok(key?.equals(k3.publicKey));
    assert.equal(state.calls, 1);
    assert.equal(cache.fetchCount, 1);
    assert.deepEqual(cache.kids().sort(), ['k1', 'k2', 'k3']);
  });

  test('a kid still unknown after the fetch gives null', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    const cache = new KeyCache(load, { now: fakeClock().now });
    assert.equal(await cache.getKey('nope'), null);
    assert.equal(state.calls, 1);
  });

  test('50 concurrent misses with random kids share one fetch', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    let open!: () => void;
    state.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now });
    const lookups = Array.from({ length: 50 }, () => cache.getKey(randomUUID()));
    // Let every lookup reach the cache before the fetch answers.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(state.calls, 1);
    open();
    const results = await Promise.all(lookups);
    assert.ok(results.every((r) => r === null));
    assert.equal(state.calls, 1);
    assert.equal(cache.fetchCount, 1);
    assert.ok(cache.hasKeys);
  });

  test('concurrent misses wait for the one fetch in flight and all see the key it brings', async () => {
    const { state, load } = fakeLoader(jwksOf(k1, k2));
    let open!: () => void;
    state.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const cache = new KeyCache(load, { now: fakeClock().now });
    const lookups = Array.from({ length: 20 }, () => cache.getKey('k2'));
    // The fetch is still held: every lookup must be waiting for it, not answered "unknown".
    await new Promise((resolve) => setImmediate(resolve));
    open();
    const results = await Promise.all(lookups);
    assert.ok(results.every((r) => r?.equals(k2.publicKey)));
    assert.equal(state.calls, 1);
  });

  test('a second miss within the window does not fetch; after the window it does', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now });
    assert.equal(await cache.getKey('x1'), null);
    assert.equal(state.calls, 1);

    clock.t += WINDOW - 1;
    assert.equal(await cache.getKey('x2'), null);
    assert.equal(state.calls, 1, 'no fetch inside the window');

    state.current = jwksOf(k1, k2);
    clock.t += 1;
    const key = await cache.getKey('k2');
    assert.ok(key?.equals(k2.publicKey));
    assert.equal(state.calls, 2, 'a fetch once the window has passed');
    assert.equal(cache.fetchCount, 2);
  });

  test('a custom window is honoured', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now, minRefetchIntervalMs: 100 });
    await cache.getKey('x');
    clock.t += 99;
    await cache.getKey('x');
    assert.equal(state.calls, 1);
    clock.t += 1;
    await cache.getKey('x');
    assert.equal(state.calls, 2);
  });

  test('prime() counts as a fetch for the window', async () => {
    const { state, load } = fakeLoader(jwksOf(k1, k2));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now });
    cache.prime(jwksOf(k1));
    assert.ok(cache.hasKeys);
    clock.t += WINDOW / 2;
    assert.equal(await cache.getKey('k2'), null, 'the primed fetch closes the window');
    assert.equal(state.calls, 0);
    clock.t += WINDOW / 2;
    assert.ok((await cache.getKey('k2'))?.equals(k2.publicKey));
    assert.equal(state.calls, 1);
  });

  test('prime() with an explicit fetch time opens the window from that time', async () => {
    const { state, load } = fakeLoader(jwksOf(k1, k2));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now });
    cache.prime(jwksOf(k1), clock.t - WINDOW);
    assert.ok((await cache.getKey('k2'))?.equals(k2.publicKey));
    assert.equal(state.calls, 1);
  });

  test('a failed fetch keeps the old keys and calls onFetchError', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    const clock = fakeClock();
    const errors: unknown[] = [];
    const cache = new KeyCache(load, { now: clock.now, onFetchError: (e) => errors.push(e) });
    cache.prime(jwksOf(k1, k2), clock.t - 60_000);
    const failure = new Error('HTTP 500');
    state.fail = failure;
    assert.equal(await cache.getKey('k3'), null, 'a failed fetch resolves to null, it does not throw');
    assert.equal(state.calls, 1);
    assert.deepEqual(errors, [failure]);
    assert.ok((await cache.getKey('k1'))?.equals(k1.publicKey));
    assert.ok((await cache.getKey('k2'))?.equals(k2.publicKey));
    assert.deepEqual(cache.kids().sort(), ['k1', 'k2']);
    assert.ok(cache.hasKeys);
  });

  test('a failed fetch without onFetchError resolves quietly', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    state.fail = new Error('down');
    const cache = new KeyCache(load, { now: fakeClock().now });
    assert.equal(await cache.getKey('k1'), null);
    assert.equal(state.calls, 1);
  });

  test('a failed fetch also closes the window', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now, onFetchError: () => {} });
    state.fail = new Error('down');
    await cache.getKey('k1');
    state.fail = null;
    clock.t += WINDOW / 10;
    assert.equal(await cache.getKey('k1'), null);
    assert.equal(state.calls, 1);
    clock.t += WINDOW;
    assert.ok((await cache.getKey('k1'))?.equals(k1.publicKey));
    assert.equal(state.calls, 2);
  });

  test('a key removed from the JWKS after a refetch is no longer served', async () => {
    const { state, load } = fakeLoader(jwksOf(k2, k3));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now });
    cache.prime(jwksOf(k1, k2));
    assert.ok((await cache.getKey('k1'))?.equals(k1.publicKey));
    clock.t += WINDOW;
    assert.ok((await cache.getKey('k3'))?.equals(k3.publicKey));
    assert.equal(state.calls, 1);
    clock.t += WINDOW;
    assert.equal(await cache.getKey('k1'), null, 'rotated-out key is gone');
    assert.deepEqual(cache.kids().sort(), ['k2', 'k3']);
  });

  test('hasKeys is false before any successful load', async () => {
    const { state, load } = fakeLoader(jwksOf(k1));
    const clock = fakeClock();
    const cache = new KeyCache(load, { now: clock.now, onFetchError: () => {} });
    assert.equal(cache.hasKeys, false);
    assert.deepEqual(cache.kids(), []);
    state.fail = new Error('down');
    await cache.getKey('k1');
    assert.equal(cache.hasKeys, false, 'a failed fetch does not count');
    state.fail = null;
    clock.t += WINDOW;
    await cache.refresh();
    assert.equal(cache.hasKeys, true);
  });
});
