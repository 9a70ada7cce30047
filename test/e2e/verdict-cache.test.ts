/**
 * The cache of verified tokens in a running server (issue 15): a token
 * verified and served again and again stops working the moment its key
 * leaves the JWKS (a refetch without it, a 404, an --offline reread of a
 * copy without it), and the moment it expires, exactly as without the cache.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TIMING } from '../../src/timing';
import { WHOAMI } from '../helpers/battery';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertOk } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { until } from '../helpers/process';
import { RunningServer, startServer } from '../helpers/server';
import { withKid } from '../helpers/tokens';

const POOL = 'local_verdicts2';

describe('the verdict cache in a running server', () => {
  let db: TestDatabase;
  let cwd: string;
  const fixtures: JwksFixture[] = [];
  const servers: RunningServer[] = [];

  async function serverOver(jwks: JwksFixture, extra: string[] = [], cacheDir = path.join(cwd, `cache-${servers.length}`)): Promise<RunningServer> {
    const server = await startServer({
      cwd,
      cliArgs: [
        '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user',
        '--authenticated-role', 'app_user', '--clock-tolerance', '0', '--cache-dir', cacheDir, ...extra,
      ],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json'],
    });
    servers.push(server);
    return server;
  }
  async function fixture(): Promise<JwksFixture> {
    const jwks = await JwksFixture.start(['key-a', 'key-b']);
    fixtures.push(jwks);
    return jwks;
  }
  const token = (jwks: JwksFixture, kid: string, sub: string, extra: Record<string, unknown> = {}) =>
    jwks.sign(kid, accessClaims(sub, extra), { issuer: jwks.issuer(POOL) });
  const statusOf = async (server: RunningServer, t: string) => (await server.graphql(WHOAMI, t)).status;
  /** Served several times, so later answers come from the cache. */
  async function servedRepeatedly(server: RunningServer, t: string, sub: string): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const res = await server.graphql(WHOAMI, t);
      assert.equal(res.status, 200, res.text);
      assert.equal((res.body.data!.whoami as { sub: string }).sub, sub);
    }
  }
  /** Lets the refetch window pass, then sends a token with a kid the pool never had: the server refetches before it answers. */
  async function forceRefetch(server: RunningServer, jwks: JwksFixture): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, jwks.lastRequestAt + TIMING.refetchWindowMs + 100 - Date.now())));
    const before = jwks.requests;
    assert.equal(await statusOf(server, withKid(token(jwks, 'key-b', 'probe'), `unknown-${Math.random()}`)), 403);
    assert.ok(jwks.requests > before, 'the unknown kid caused no refetch');
  }

  before(async () => {
    db = await createTestDatabase('verdicts');
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-verdicts-'));
  });

  after(async () => {
    for (const server of servers) await server.stop();
    for (const jwks of fixtures) await jwks.close();
    await db?.drop();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('a key rotated out of the JWKS: its tokens are refused from the next request on, the other key\'s still served', async () => {
    const jwks = await fixture();
    const server = await serverOver(jwks);
    const byA = token(jwks, 'key-a', 'alice');
    const byB = token(jwks, 'key-b', 'bob');
    await servedRepeatedly(server, byA, 'alice');
    await servedRepeatedly(server, byB, 'bob');
    jwks.served = ['key-b'];
    await forceRefetch(server, jwks);
    assert.equal(await statusOf(server, byA), 403);
    await servedRepeatedly(server, byB, 'bob');
  });

  test('a 404 (the pool is gone): no cached verdict serves its tokens any more', async () => {
    const jwks = await fixture();
    const server = await serverOver(jwks);
    const byA = token(jwks, 'key-a', 'carol');
    await servedRepeatedly(server, byA, 'carol');
    jwks.mode = 'not-found';
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, jwks.lastRequestAt + TIMING.refetchWindowMs + 100 - Date.now())));
    const before = jwks.requests;
    assert.notEqual(await statusOf(server, withKid(token(jwks, 'key-b', 'probe'), 'unknown-after-404')), 200);
    assert.ok(jwks.requests > before, 'the unknown kid caused no refetch');
    const status = await statusOf(server, byA);
    assert.equal(status, 503, 'a token of a pool that answers 404 must not be served from the cache');
    assert.match(server.output(), /keys of user pool local_verdicts2 are dropped/);
  });

  test('--offline: a reread of a copy without the key drops its verdicts', async () => {
    const jwks = await fixture();
    const cacheDir = path.join(cwd, 'offline-copy');
    const keys = () => runCli(['keys', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--cache-dir', cacheDir], { env: cleanEnv(), cwd });
    assertOk(await keys());
    const server = await serverOver(jwks, ['--offline'], cacheDir);
    const byA = token(jwks, 'key-a', 'dave');
    await servedRepeatedly(server, byA, 'dave');
    // The copy is written again (by a command with the network) without key-a.
    jwks.served = ['key-b'];
    assertOk(await keys());
    const requests = jwks.requests;
    // An unknown kid makes the server reread the copy (it never asks the network with --offline).
    await until(async () => (await statusOf(server, withKid(token(jwks, 'key-b', 'probe'), `unknown-${Math.random()}`))) === 403 && (await statusOf(server, byA)) === 403, "key-a's token to be refused", 30_000);
    assert.equal(jwks.requests, requests, 'the --offline server asked the network');
    await servedRepeatedly(server, token(jwks, 'key-b', 'erin'), 'erin');
  });

  test('a cached token is refused once it expires, as it would be without the cache', async () => {
    const jwks = await fixture();
    const server = await serverOver(jwks);
    const exp = Math.floor(Date.now() / 1000) + 3;
    const shortLived = token(jwks, 'key-a', 'frank', { exp });
    await servedRepeatedly(server, shortLived, 'frank');
    await until(async () => (await statusOf(server, shortLived)) !== 200, 'the token to expire', 30_000);
    assert.ok(Date.now() / 1000 >= exp, 'refused before its exp');
    assert.equal(await statusOf(server, shortLived), 401);
  });
});
