/**
 * Each JWKS fault at start-up, through the CLI, with and without a cached
 * copy: exit 3 naming the cause, or the cached keys and a warning with their
 * age. (The cache itself: jwks-cache.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, parseJsonArray, show } from '../helpers/cli-assert';
import { cacheWorkspace, Fault, FAULTS, jwksUrl } from '../helpers/jwks-cache';
import { JwksFixture } from '../helpers/jwks-server';

const { newDir, keys } = cacheWorkspace();

/** Its keys first cached in `warmCacheDir` when given, then the fixture is put in `fault` ('down' closes it). */
async function makeFaulty(fixture: JwksFixture, fault: Fault, warmCacheDir: string | null): Promise<string> {
  const { endpoint } = fixture;
  if (warmCacheDir) assertOk(await keys(endpoint, warmCacheDir));
  if (fault === 'down') await fixture.close();
  else fixture.mode = fault;
  return endpoint;
}

const kidsOf = (r: Awaited<ReturnType<typeof runCli>>) => parseJsonArray(r).map((k) => (k as unknown as { kid: string }).kid);

// Each fault's test has fixtures and folders of its own: they run side by side, and so do their time-outs.
describe('start-up: each JWKS fault, with and without a cached copy', { concurrency: true }, () => {
  const fixtures = new Map<Fault, { cold: JwksFixture; warm: JwksFixture }>();
  // Every fixture (and its RSA keys, made synchronously) before any test runs: key generation in
  // this process while another test's CLI fetches would hold up the fixture's answer past the timeout.
  before(async () => {
    for (const [fault] of FAULTS) fixtures.set(fault, { cold: await JwksFixture.start(['key-a', 'key-b']), warm: await JwksFixture.start(['key-a', 'key-b']) });
  });
  after(async () => {
    for (const { cold, warm } of fixtures.values()) for (const fixture of [cold, warm]) await fixture.close().catch(() => undefined);
  });

  for (const [fault, cause] of FAULTS) {
    test(`${fault}: exit 3 without a cache; with one, the cached keys and a warning that gives its age`, async () => {
      const warmDir = newDir(`warm-${fault}`);
      const { cold, warm } = fixtures.get(fault)!;
      const [coldEndpoint, warmEndpoint] = await Promise.all([makeFaulty(cold, fault, null), makeFaulty(warm, fault, warmDir)]);
      const [withoutCache, withCache] = await Promise.all([keys(coldEndpoint, newDir(`cold-${fault}`)), keys(warmEndpoint, warmDir)]);
      assertCleanError(withoutCache, 3, literal(jwksUrl(coldEndpoint)), cause);
      assert.equal(withCache.code, 0, show(withCache));
      assert.deepEqual(kidsOf(withCache), ['key-a', 'key-b']);
      assert.match(withCache.stderr, cause, show(withCache));
      assert.match(withCache.stderr, /warning: could not get the JWKS from .*; using the cached copy from \d+ s ago \(fetched 20\d\d-/, show(withCache));
      assert.doesNotMatch(withCache.stderr, /^\s*at\s/m, show(withCache));
    });
  }
});
