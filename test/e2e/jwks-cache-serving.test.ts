/**
 * The JWKS cache while run serves: starting from a cached copy, --offline,
 * each JWKS fault while serving (the known keys keep working), and the
 * refresh after a start from a recent copy. (PostGraphile's cluster workers,
 * the plugin under PostGraphile's own CLI and --quiet:
 * jwks-cache-workers.test.ts.) The waits are the tests' short ones
 * (test/helpers/timing-preload.cjs); tests wait for what happens, not for a
 * window to pass.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { cacheFileFor } from '../../src/jwks/disk-cache';
import { assertOk, literal } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { ageCopy, cacheWorkspace, FAULTS, jwksUrl, POOL } from '../helpers/jwks-cache';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { until } from '../helpers/process';
import { RunningServer, startServer } from '../helpers/server';

const workspace = cacheWorkspace();
const { newDir, keys } = workspace;

describe('run: start-up from the cache, --offline, and faults while serving', () => {
  let db: TestDatabase;
  let fixture: JwksFixture;
  let cacheDir: string;
  /** Kept: the fixture is closed on purpose part-way through. */
  let endpoint: string;
  const servers: RunningServer[] = [];
  const iss = () => `${endpoint}/${POOL}`;
  const token = (kid: string, sub: string) => fixture.sign(kid, accessClaims(sub), { issuer: iss() });
  const start = (extra: string[] = []) =>
    startServer({
      cwd: workspace.dir(),
      cliArgs: [
        '--user-pool-id', POOL, '--endpoint', endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user',
        '--authenticated-role', 'app_user', '--cache-dir', cacheDir, ...extra,
      ],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json'],
    }).then((server) => {
      servers.push(server);
      return server;
    });
  const sub = async (server: RunningServer, jwt: string) => {
    const res = await server.graphql('{ whoami }', jwt);
    assert.equal(res.status, 200, res.text);
    return (res.body.data!.whoami as { sub: string }).sub;
  };

  before(async () => {
    db = await createTestDatabase('jwkscache');
    fixture = await JwksFixture.start(['key-a', 'key-b']);
    endpoint = fixture.endpoint;
    cacheDir = newDir('run');
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await fixture.close().catch(() => undefined);
    await db?.drop();
  });

  test('the start-up line says the keys were fetched; a refetch while serving updates the cached copy', async () => {
    const server = await start();
    await server.said(literal(`user pool ${POOL} (issuer ${iss()}): access tokens, app client check on (1 client), kids [key-a, key-b] fetched (cache not used)`));
    assert.equal(await sub(server, token('key-a', 'user-1')), 'user-1');
    // A new key, published after start-up: once the refetch window allows, the refetch it causes is saved too.
    fixture.addKey('key-c');
    await until(async () => (await server.graphql('{ whoami }', token('key-c', 'user-c'))).status === 200, 'key-c to be accepted', 30_000);
    assert.equal(await sub(server, token('key-c', 'user-c')), 'user-c');
    const saved = JSON.parse(fs.readFileSync(cacheFileFor(cacheDir, jwksUrl(endpoint)), 'utf8')) as { jwks: { keys: { kid: string }[] } };
    assert.deepEqual(saved.jwks.keys.map((k) => k.kid), ['key-a', 'key-b', 'key-c']);
    await server.stop();
  });

  test('--offline: starts from the cached copy without a request, and serves', async () => {
    const before = fixture.requests;
    const server = await start(['--offline']);
    await server.said(/kids \[key-a, key-b, key-c\] from the cache \(--offline; fetched \d+ s ago\)/);
    assert.equal(await sub(server, token('key-c', 'offline-user')), 'offline-user');
    // An unknown kid rereads the disk, never the network.
    const unknown = await server.graphql('{ whoami }', fixture.sign('key-a', accessClaims('x'), { issuer: iss(), keyid: 'nope' }));
    assert.equal(unknown.status, 403);
    assert.equal(fixture.requests, before, 'offline touched the network');
    await server.stop();
  });

  test('every fault while serving: the refetch fails, the known keys keep working', async () => {
    const started = fixture.requests;
    const server = await start();
    const known = () => sub(server, token('key-b', 'still-here'));
    assert.equal(await known(), 'still-here');
    // The copy from the first test is fresh: run started from it and refreshes it once serving.
    await until(() => fixture.requests > started, 'the refresh after a start from a fresh copy');
    const failures = () => (server.output().match(/JWKS refetch failed, keeping the keys already known/g) ?? []).length;
    for (const [fault] of FAULTS) {
      if (fault === 'down') await fixture.close();
      else fixture.mode = fault;
      const before = { requests: fixture.requests, failures: failures() };
      const withUnknownKid = fixture.sign('key-a', accessClaims('ghost'), { issuer: iss(), keyid: `unknown-${fault}` });
      // Inside the refetch window an unknown kid is refused without a fetch; once it has passed, the
      // next one makes the refetch, which fails.
      await until(async () => {
        const refused = await server.graphql('{ whoami }', withUnknownKid);
        assert.equal(refused.status, 403, `${fault}: ${refused.text}`);
        return failures() > before.failures;
      }, `a failed refetch with ${fault}`, 30_000);
      assert.equal(failures(), before.failures + 1, server.output());
      if (fault !== 'down') assert.equal(fixture.requests, before.requests + 1, `${fault}: expected exactly one refetch`);
      assert.equal(await known(), 'still-here', `${fault}: a known key stopped working`);
    }
    await server.stop();
  });

  test('start-up with the JWKS down: the cached copy, a warning with its age, and requests are served', async () => {
    // The fixture is closed by now (the last fault above); the cache holds its keys. Older
    // than a fresh copy, so run tries the network first.
    ageCopy(cacheDir, jwksUrl(endpoint), 10 * 60_000);
    const server = await start();
    const out = await server.said(/; PostGraphile/);
    assert.match(out, /warning: could not get the JWKS from .*connection refused.*; using the cached copy from \d+ (s|min) ago/);
    assert.match(out, /kids \[key-a, key-b, key-c\] from the cache \(the fetch failed; fetched 10 min ago\)/);
    assert.equal(await sub(server, token('key-a', 'after-outage')), 'after-outage');
  });
});

describe('run after a recent fetch: starts from the copy, then refreshes it', () => {
  let db: TestDatabase;
  let fixture: JwksFixture;
  before(async () => {
    db = await createTestDatabase('jwksfresh');
    fixture = await JwksFixture.start(['key-a', 'key-b']);
  });
  after(async () => {
    await fixture.close();
    await db?.drop();
  });

  test('no request before serving; the refresh drops a key the pool no longer has; an old copy is fetched first', async () => {
    const cacheDir = newDir('fresh');
    const start = () =>
      startServer({
        cwd: workspace.dir(),
        cliArgs: ['--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user', '--authenticated-role', 'app_user', '--cache-dir', cacheDir],
        postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json'],
      });
    const statusOf = async (server: RunningServer, kid: string) =>
      (await server.graphql('{ whoami }', fixture.sign(kid, accessClaims(`by-${kid}`), { issuer: fixture.issuer(POOL) }))).status;

    assertOk(await keys(fixture.endpoint, cacheDir));
    // key-b leaves the pool after the copy was saved.
    fixture.served = ['key-a'];
    const before = fixture.requests;
    const server = await start();
    try {
      await server.said(/kids \[key-a, key-b\] from the cache \(fetched \d+ s ago; refreshed once serving\)/);
      assert.equal(fixture.requests, before, 'run waited for the network although the copy was fresh');
      assert.equal(await statusOf(server, 'key-a'), 200);
      // The refresh, about a second in: then key-b is refused.
      await until(() => fixture.requests > before, 'the refresh after start-up');
      assert.equal(fixture.requests, before + 1, 'more than one refresh');
      await until(async () => (await statusOf(server, 'key-b')) === 403, 'key-b to be refused after the refresh');
      assert.equal(await statusOf(server, 'key-a'), 200);
    } finally {
      await server.stop();
    }

    // A refresh that fails is tried again until it works.
    fixture.served = ['key-a', 'key-b'];
    fixture.mode = 'status-500';
    const retried = await start();
    try {
      const start500 = fixture.requests;
      fixture.served = ['key-b'];
      await until(() => fixture.requests > start500 + 1, 'the refresh and a retry of it');
      assert.equal(await statusOf(retried, 'key-a'), 200, 'the copy stays in use while the JWKS fails');
      fixture.mode = 'ok';
      await until(async () => (await statusOf(retried, 'key-a')) !== 200, 'the retried refresh to drop key-a', 15_000).catch(() => undefined);
      assert.equal(await statusOf(retried, 'key-a'), 403, `key-a still accepted after the JWKS came back\n${retried.output()}`);
      assert.equal(await statusOf(retried, 'key-b'), 200);
      assert.match(retried.output(), /JWKS refetch failed, keeping the keys already known: .*HTTP 500/);
    } finally {
      await retried.stop();
    }

    // A 404 at that refresh (the pool is gone) drops the keys: 503, not the copy's keys.
    fixture.mode = 'not-found';
    const gone = await start();
    try {
      await until(async () => (await statusOf(gone, 'key-b')) !== 200, 'the refresh to meet the 404', 10_000).catch(() => undefined);
      assert.equal(await statusOf(gone, 'key-b'), 503, gone.output());
      assert.match(gone.output(), /error: could not get the JWKS .*HTTP 404.*the keys of user pool local_cache1 are dropped/);
    } finally {
      await gone.stop();
    }
    fixture.mode = 'ok';
    fixture.served = ['key-a'];

    // A copy older than 5 minutes is fetched again before serving.
    ageCopy(cacheDir, jwksUrl(fixture.endpoint), 6 * 60_000);
    const again = await start();
    try {
      await again.said(/kids \[key-a\] fetched \(cache not used\)/);
    } finally {
      await again.stop();
    }
  });
});
