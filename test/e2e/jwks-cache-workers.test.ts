/**
 * The JWKS cache beyond a single run: PostGraphile's --cluster-workers during
 * an outage, the plugin loaded by PostGraphile's own CLI, and --quiet. (run
 * itself while serving: jwks-cache-serving.test.ts.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cacheFileFor } from '../../src/jwks/disk-cache';
import { ROOT } from '../helpers/cli';
import { assertCleanError, assertOk } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { ageCopy, cacheWorkspace, jwksUrl, POOL } from '../helpers/jwks-cache';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { until } from '../helpers/process';
import { RunningServer, startServer } from '../helpers/server';

const workspace = cacheWorkspace();
const { newDir, keys } = workspace;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run --cluster-workers during a JWKS outage', () => {
  let db: TestDatabase;
  let fixture: JwksFixture;
  let server: RunningServer | undefined;
  before(async () => {
    db = await createTestDatabase('jwkscluster');
    fixture = await JwksFixture.start(['key-a']);
  });
  after(async () => {
    await server?.stop();
    await fixture.close();
    await db?.drop();
  });

  test('the workers start from the copy the primary fell back on, then fetch over the network again; a 404 never falls back', async () => {
    const cacheDir = newDir('cluster');
    const config = ['--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user', '--authenticated-role', 'app_user', '--cache-dir', cacheDir];
    assertOk(await keys(fixture.endpoint, cacheDir));
    ageCopy(cacheDir, jwksUrl(fixture.endpoint), 10 * 60_000);
    fixture.mode = 'status-500';
    const before = fixture.requests;
    server = await startServer({ cwd: workspace.dir(), cliArgs: config, postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json', '--cluster-workers', '2'] });
    await until(() => (server!.output().match(/listening on port/g) ?? []).length >= 2, 'both workers to listen', 60_000);
    // The primary's three attempts, and at most one refresh per worker: a worker that fetched
    // at start-up as the primary did would have made three more each.
    const duringStart = fixture.requests - before;
    assert.ok(duringStart >= 3 && duringStart <= 5, `${duringStart} requests while starting\n${server.output()}`);
    const token = (kid: string, sub: string) => fixture.sign(kid, accessClaims(sub), { issuer: fixture.issuer(POOL) });
    for (let i = 0; i < 4; i++) {
      const res = await server.graphql('{ whoami }', token('key-a', 'clustered'));
      assert.equal(res.status, 200, res.text);
    }
    // The JWKS is back with a new key: the workers' retried refresh brings it, over the network.
    fixture.mode = 'ok';
    fixture.addKey('key-d');
    const deadline = Date.now() + 20_000;
    let served = 0;
    while (served < 4 && Date.now() < deadline) {
      const res = await server.graphql('{ whoami }', token('key-d', 'after-outage'));
      served = res.status === 200 ? served + 1 : 0;
      if (res.status !== 200) await sleep(500);
    }
    assert.equal(served, 4, `key-d was not accepted by the workers\n${server.output()}`);
    await server.stop();
    server = undefined;

    // The pool's own "does not exist" is not an outage: exit 3 although a copy exists.
    fixture.mode = 'not-found';
    const gone = await keys(fixture.endpoint, cacheDir);
    assertCleanError(gone, 3, /HTTP 404/);
  });
});


describe('the plugin loaded by PostGraphile itself uses the same cache', () => {
  const POSTGRAPHILE_CLI = path.join(ROOT, 'node_modules', 'postgraphile', 'cli.js');
  const PLUGIN = path.join(ROOT, 'dist', 'adapters', 'v4', 'index.js');
  let db: TestDatabase;
  let fixture: JwksFixture;
  before(async () => {
    db = await createTestDatabase('jwksplugin');
    fixture = await JwksFixture.start(['key-a']);
  });
  after(async () => {
    await fixture.close();
    await db?.drop();
  });

  const startPlugin = (cacheDir: string, extra: string[] = []) =>
    startServer({
      command: [POSTGRAPHILE_CLI, '--plugins', PLUGIN],
      postgraphileArgs: [
        '-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json',
        '--cognito-user-pool-id', POOL, '--cognito-endpoint', fixture.endpoint, '--cognito-client-id', 'client1',
        '--cognito-allowed-roles', 'app_user', '--cognito-authenticated-role', 'app_user', '--cognito-cache-dir', cacheDir, ...extra,
      ],
      cwd: workspace.dir(),
    });
  const whoIs = async (server: RunningServer, sub: string) => {
    const res = await server.graphql('{ whoami }', fixture.sign('key-a', accessClaims(sub), { issuer: fixture.issuer(POOL) }));
    return { status: res.status, sub: (res.body.data?.whoami as { sub?: string } | undefined)?.sub, text: res.text };
  };

  test('saves the copy, falls back on it with a warning, and --cognito-offline true uses it without a request', async () => {
    const cacheDir = newDir('plugin');
    fixture.mode = 'ok';
    let server = await startPlugin(cacheDir);
    assert.deepEqual(await whoIs(server, 'p1').then((r) => [r.status, r.sub]), [200, 'p1']);
    await server.said(/kids \[key-a\] fetched \(cache not used\)/);
    assert.ok(fs.existsSync(cacheFileFor(cacheDir, jwksUrl(fixture.endpoint))));
    await server.stop();

    fixture.mode = 'status-500';
    server = await startPlugin(cacheDir);
    assert.deepEqual(await whoIs(server, 'p2').then((r) => [r.status, r.sub]), [200, 'p2']);
    await server.said(/kids \[key-a\] from the cache \(the fetch failed/);
    assert.match(server.output(), /warning: could not get the JWKS .*HTTP 500.*using the cached copy/);
    await server.stop();

    const before = fixture.requests;
    server = await startPlugin(cacheDir, ['--cognito-offline', 'true']);
    assert.deepEqual(await whoIs(server, 'p3').then((r) => [r.status, r.sub]), [200, 'p3']);
    assert.equal(fixture.requests, before, 'offline touched the network');
    await server.stop();
  });

  test('with no keys and no copy: 503, then the first load that works is announced and serves', async () => {
    fixture.mode = 'status-500';
    const server = await startPlugin(newDir('plugin-empty'));
    try {
      await server.said(/tokens get 503 until a later request loads the keys/);
      const early = await whoIs(server, 'early');
      assert.equal(early.status, 503, early.text);
      fixture.mode = 'ok';
      // Refused until the refetch window the failed load opened has passed; then a request loads the keys.
      await until(async () => (await whoIs(server, 'late')).status === 200, 'a request to load the keys', 30_000);
      assert.deepEqual(await whoIs(server, 'late').then((r) => [r.status, r.sub]), [200, 'late']);
      assert.match(server.output(), /user pool local_cache1 \(issuer [^)]+\): access tokens, app client check on \(1 client\), kids \[key-a\] fetched/);
    } finally {
      await server.stop();
    }
  });
});

describe('run --quiet', () => {
  let db: TestDatabase;
  let fixture: JwksFixture;
  before(async () => {
    db = await createTestDatabase('jwksquiet');
    fixture = await JwksFixture.start(['key-a']);
  });
  after(async () => {
    await fixture.close();
    await db?.drop();
  });

  test('no start-up line, warnings or refusal lines from us; PostGraphile still says it listens', async () => {
    // An expired token's refusal line and the start-up line: what --quiet must hold back.
    const server = await startServer({
      cwd: workspace.dir(),
      cliArgs: ['--quiet', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user', '--cache-dir', newDir('quiet')],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json'],
    });
    try {
      const refused = await server.graphql('{ whoami }', fixture.sign('key-a', accessClaims('x', { exp: Math.floor(Date.now() / 1000) - 600 }), { issuer: fixture.issuer(POOL) }));
      assert.equal(refused.status, 401);
      const ok = await server.graphql('{ whoami }', fixture.sign('key-a', accessClaims('quiet-user'), { issuer: fixture.issuer(POOL) }));
      assert.equal(ok.status, 200, ok.text);
      await sleep(200);
      assert.match(server.output(), /listening on port/);
      assert.doesNotMatch(server.output(), /postgraphile-cognito:/, server.output());
    } finally {
      await server.stop();
    }
  });
});
