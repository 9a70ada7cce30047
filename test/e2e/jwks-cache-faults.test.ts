/**
 * Each JWKS fault at start-up, through the CLI, with and without a cached
 * copy: exit 3 naming the cause, or the cached keys and a warning with their
 * age. (The cache itself: jwks-cache.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, parseJsonArray, show } from '../helpers/cli-assert';
import { cacheWorkspace, Fault, FAULTS, jwksUrl } from '../helpers/jwks-cache';
import { JwksFixture } from '../helpers/jwks-server';

const { newDir, keys } = cacheWorkspace();

/** A fixture in `fault` ('down' closes it), its keys first cached in `warmCacheDir` when given. */
async function faultyEndpoint(fault: Fault, warmCacheDir: string | null): Promise<{ fixture: JwksFixture; endpoint: string }> {
  const fixture = await JwksFixture.start(['key-a', 'key-b']);
  const { endpoint } = fixture;
  if (warmCacheDir) assertOk(await keys(endpoint, warmCacheDir));
  if (fault === 'down') await fixture.close();
  else fixture.mode = fault;
  return { fixture, endpoint };
}

const kidsOf = (r: Awaited<ReturnType<typeof runCli>>) => parseJsonArray(r).map((k) => (k as unknown as { kid: string }).kid);

// Each fault's test has fixtures and folders of its own: they run side by side, and so do their time-outs.
describe('start-up: each JWKS fault, with and without a cached copy', { concurrency: true }, () => {
  const opened: JwksFixture[] = [];
  after(async () => {
    for (const fixture of opened) await fixture.close().catch(() => undefined);
  });

  for (const [fault, cause] of FAULTS) {
    test(`${fault}: exit 3 without a cache; with one, the cached keys and a warning that gives its age`, async () => {
      const warmDir = newDir(`warm-${fault}`);
      const [cold, warm] = await Promise.all([faultyEndpoint(fault, null), faultyEndpoint(fault, warmDir)]);
      opened.push(cold.fixture, warm.fixture);
      const [withoutCache, withCache] = await Promise.all([keys(cold.endpoint, newDir(`cold-${fault}`)), keys(warm.endpoint, warmDir)]);
      assertCleanError(withoutCache, 3, literal(jwksUrl(cold.endpoint)), cause);
      assert.equal(withCache.code, 0, show(withCache));
      assert.deepEqual(kidsOf(withCache), ['key-a', 'key-b']);
      assert.match(withCache.stderr, cause, show(withCache));
      assert.match(withCache.stderr, /warning: could not get the JWKS from .*; using the cached copy from \d+ s ago \(fetched 20\d\d-/, show(withCache));
      assert.doesNotMatch(withCache.stderr, /^\s*at\s/m, show(withCache));
    });
  }
});
