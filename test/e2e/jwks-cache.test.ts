/**
 * The JWKS cache on disk and the fault matrix: each JWKS fault at start-up,
 * with and without a cached copy, and while serving, where the known keys
 * keep working. Also --offline, corrupt cache files and where the cache lives.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cacheFileFor } from '../../src/jwks/disk-cache';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, parseJsonArray, show } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture, JwksMode } from '../helpers/jwks-server';
import { freePort } from '../helpers/net';
import { until } from '../helpers/process';
import { RunningServer, startServer } from '../helpers/server';

const POOL = 'local_cache1';
const jwksUrl = (endpoint: string) => `${endpoint}/${POOL}/.well-known/jwks.json`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Fault = JwksMode | 'down';
/** Each fault, and what the error names. 'down' last: while serving, it closes the fixture for good. */
const FAULTS: [Fault, RegExp][] = [
  ['status-500', /HTTP 500/],
  ['hang', /timeout/],
  ['html', /HTML page/],
  ['invalid-json', /not valid JSON/],
  ['no-rsa', /no usable key|skipped|kty/i],
  ['down', /connection refused/],
];

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-jwks-cache-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Makes the saved copy look `ms` old, so run fetches first instead of starting from it. */
function ageCopy(cacheDir: string, url: string, ms: number): void {
  const file = cacheFileFor(cacheDir, url);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { fetchedAt: string };
  doc.fetchedAt = new Date(Date.now() - ms).toISOString();
  fs.writeFileSync(file, JSON.stringify(doc));
}

function newDir(name: string): string {
  return fs.mkdtempSync(path.join(tmp, `${name}-`));
}

const keys = (endpoint: string, cacheDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  runCli(['keys', '--json', '--user-pool-id', POOL, '--endpoint', endpoint, '--cache-dir', cacheDir, ...extra], { env: cleanEnv(env), cwd: tmp });

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

describe('start-up: each JWKS fault, with and without a cached copy', () => {
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

describe('the cache file, --offline, and corrupt copies', () => {
  let fixture: JwksFixture;
  before(async () => {
    fixture = await JwksFixture.start(['key-a', 'key-b']);
  });
  after(async () => {
    await fixture.close();
  });

  test('every successful fetch is saved, and a rotation replaces the saved copy', async () => {
    const dir = newDir('saved');
    assertOk(await keys(fixture.endpoint, dir));
    const file = cacheFileFor(dir, jwksUrl(fixture.endpoint));
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { url: string; fetchedAt: string; jwks: { keys: { kid: string }[] } };
    assert.equal(saved.url, jwksUrl(fixture.endpoint));
    assert.ok(Math.abs(Date.parse(saved.fetchedAt) - Date.now()) < 60_000);
    assert.deepEqual(saved.jwks.keys.map((k) => k.kid), ['key-a', 'key-b']);
    fixture.addKey('key-c');
    try {
      assertOk(await keys(fixture.endpoint, dir));
      const again = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof saved;
      assert.deepEqual(again.jwks.keys.map((k) => k.kid), ['key-a', 'key-b', 'key-c']);
      assert.deepEqual(fs.readdirSync(dir), [path.basename(file)], 'a temporary file was left behind');
    } finally {
      fixture.served = ['key-a', 'key-b'];
    }
  });

  test('pem from a cached copy (--offline) prints what a fetch gives', async () => {
    const dir = newDir('pem');
    const pem = async (extra: string[]) => {
      const r = await runCli(['pem', '--all', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--cache-dir', dir, ...extra], { env: cleanEnv(), cwd: tmp });
      assertOk(r);
      return r.stdout;
    };
    const fetched = await pem([]);
    assert.match(fetched, /^-----BEGIN PUBLIC KEY-----/);
    assert.equal(await pem(['--offline']), fetched);
  });

  test('--offline uses the cached copy without a single request', async () => {
    const dir = newDir('offline');
    assertOk(await keys(fixture.endpoint, dir));
    const before = fixture.requests;
    const r = await keys(fixture.endpoint, dir, ['--offline']);
    assertOk(r);
    assert.deepEqual(kidsOf(r), ['key-a', 'key-b']);
    assert.equal(fixture.requests, before, 'offline touched the network');
    // The environment variable does the same, for pm2 and shell scripts.
    assertOk(await keys(fixture.endpoint, dir, [], { POSTGRAPHILE_COGNITO_OFFLINE: '1' }));
    assert.equal(fixture.requests, before, 'POSTGRAPHILE_COGNITO_OFFLINE touched the network');
  });

  test('--offline without a cached copy: exit 3 naming the folder and how to fill it', async () => {
    const dir = newDir('offline-empty');
    const before = fixture.requests;
    const r = await keys(fixture.endpoint, dir, ['--offline']);
    assertCleanError(r, 3, /offline, and there is no cached copy in/, literal(dir), /drop --offline/);
    assert.equal(fixture.requests, before);
  });

  test('a corrupt cached copy is ignored with a warning: exit 3 when the JWKS is down, no crash', async () => {
    const dir = newDir('corrupt');
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    fs.writeFileSync(cacheFileFor(dir, jwksUrl(endpoint)), '{"url": "half a fil', { mode: 0o600 });
    const r = await keys(endpoint, dir);
    assert.equal(r.code, 3, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /warning: ignoring the cached JWKS .*jwks-[0-9a-f]+\.json: it is not valid JSON/, show(r));
    assert.match(r.stderr, /error: could not get the JWKS .*connection refused/, show(r));
    assert.doesNotMatch(r.stderr, /^\s*at\s/m, show(r));
    // Offline, the same file is a clear exit 3 as well.
    const offline = await keys(endpoint, dir, ['--offline']);
    assertCleanError(offline, 3, /cannot be used: it is not valid JSON/, /delete that file/);
  });

  test('a corrupt cached copy is replaced by the next successful fetch', async () => {
    const dir = newDir('repair');
    const file = cacheFileFor(dir, jwksUrl(fixture.endpoint));
    fs.writeFileSync(file, 'garbage', { mode: 0o600 });
    assertOk(await keys(fixture.endpoint, dir));
    assertOk(await keys(fixture.endpoint, dir, ['--offline']));
  });

  test('the cache lives in $XDG_CACHE_HOME/postgraphile-cognito, or where env or rc says', async () => {
    const xdg = newDir('xdg');
    const noFlag = (env: NodeJS.ProcessEnv, cwd = tmp) =>
      runCli(['keys', '--user-pool-id', POOL, '--endpoint', fixture.endpoint], { env: cleanEnv(env), cwd });
    assertOk(await noFlag({ XDG_CACHE_HOME: xdg }));
    assert.ok(fs.existsSync(cacheFileFor(path.join(xdg, 'postgraphile-cognito'), jwksUrl(fixture.endpoint))));

    const fromEnv = newDir('env');
    assertOk(await noFlag({ POSTGRAPHILE_COGNITO_CACHE_DIR: fromEnv }));
    assert.ok(fs.existsSync(cacheFileFor(fromEnv, jwksUrl(fixture.endpoint))));

    const project = newDir('project');
    fs.writeFileSync(path.join(project, '.postgraphilerc.js'), `module.exports = { cognito: { cacheDir: ${JSON.stringify(path.join(project, 'jwks-cache'))} } };\n`);
    assertOk(await noFlag({}, project));
    assert.ok(fs.existsSync(cacheFileFor(path.join(project, 'jwks-cache'), jwksUrl(fixture.endpoint))));
  });

  test('a cache folder that cannot be written is a warning, not a failure', async () => {
    const blocker = path.join(newDir('blocked'), 'not-a-folder');
    fs.writeFileSync(blocker, 'a file where the folder should be');
    const r = await keys(fixture.endpoint, blocker);
    assertOk(r);
    assert.match(r.stderr, /warning: could not save the JWKS to the cache in .*not-a-folder/, show(r));
  });
});

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
      cwd: tmp,
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
    assert.match(
      server.output(),
      literal(`user pool ${POOL} (issuer ${iss()}): access tokens, app client check on (1 client), kids [key-a, key-b] fetched (cache not used)`),
    );
    assert.equal(await sub(server, token('key-a', 'user-1')), 'user-1');
    // A new key, published after start-up: the refetch it causes is saved too.
    await sleep(10_500);
    fixture.addKey('key-c');
    assert.equal(await sub(server, token('key-c', 'user-c')), 'user-c');
    const saved = JSON.parse(fs.readFileSync(cacheFileFor(cacheDir, jwksUrl(endpoint)), 'utf8')) as { jwks: { keys: { kid: string }[] } };
    assert.deepEqual(saved.jwks.keys.map((k) => k.kid), ['key-a', 'key-b', 'key-c']);
    await server.stop();
  });

  test('--offline: starts from the cached copy without a request, and serves', async () => {
    const before = fixture.requests;
    const server = await start(['--offline']);
    assert.match(server.output(), /kids \[key-a, key-b, key-c\] from the cache \(--offline; fetched \d+ s ago\)/);
    assert.equal(await sub(server, token('key-c', 'offline-user')), 'offline-user');
    // An unknown kid rereads the disk, never the network.
    const unknown = await server.graphql('{ whoami }', fixture.sign('key-a', accessClaims('x'), { issuer: iss(), keyid: 'nope' }));
    assert.equal(unknown.status, 403);
    assert.equal(fixture.requests, before, 'offline touched the network');
    await server.stop();
  });

  test('every fault while serving: the refetch fails, the known keys keep working', async () => {
    const server = await start();
    const known = () => sub(server, token('key-b', 'still-here'));
    assert.equal(await known(), 'still-here');
    // The copy from the first test is fresh: run started from it and refreshes it 1 s in.
    await sleep(1_500);
    let lastFetch = Math.max(Date.now(), fixture.lastRequestAt);
    for (const [fault] of FAULTS) {
      // One refetch per 10 s at most: wait for the window, then ask for a kid nobody has.
      await sleep(Math.max(0, Math.max(lastFetch, fixture.lastRequestAt) + 10_500 - Date.now()));
      if (fault === 'down') await fixture.close();
      else fixture.mode = fault;
      const before = fixture.requests;
      const withUnknownKid = fixture.sign('key-a', accessClaims('ghost'), { issuer: iss(), keyid: `unknown-${fault}` });
      const refused = await server.graphql('{ whoami }', withUnknownKid);
      lastFetch = Date.now();
      assert.equal(refused.status, 403, `${fault}: ${refused.text}`);
      if (fault !== 'down') assert.equal(fixture.requests, before + 1, `${fault}: expected one refetch`);
      assert.equal(await known(), 'still-here', `${fault}: a known key stopped working`);
    }
    const failures = server.output().match(/JWKS refetch failed, keeping the keys already known/g) ?? [];
    assert.equal(failures.length, FAULTS.length, server.output());
    await server.stop();
  });

  test('start-up with the JWKS down: the cached copy, a warning with its age, and requests are served', async () => {
    // The fixture is closed by now (the last fault above); the cache holds its keys. Older
    // than a fresh copy, so run tries the network first.
    ageCopy(cacheDir, jwksUrl(endpoint), 10 * 60_000);
    const server = await start();
    const out = server.output();
    assert.match(out, /warning: could not get the JWKS from .*connection refused.*; using the cached copy from \d+ (s|min) ago/);
    assert.match(out, /kids \[key-a, key-b, key-c\] from the cache \(the fetch failed; fetched 10 min ago\)/);
    assert.equal(await sub(server, token('key-a', 'after-outage')), 'after-outage');
  });
});

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
    server = await startServer({ cwd: tmp, cliArgs: config, postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json', '--cluster-workers', '2'] });
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
      cwd: tmp,
    });
  const whoIs = async (server: RunningServer, sub: string) => {
    const res = await server.graphql('{ whoami }', fixture.sign('key-a', accessClaims(sub), { issuer: fixture.issuer(POOL) }));
    return { status: res.status, sub: (res.body.data?.whoami as { sub?: string } | undefined)?.sub, text: res.text };
  };
  /** The plugin loads the keys after PostGraphile listens; wait for its line. */
  const waitFor = (server: RunningServer, pattern: RegExp) =>
    until(() => pattern.test(server.output()), String(pattern), 30_000).catch(() => assert.fail(`no ${pattern} in:\n${server.output()}`));

  test('saves the copy, falls back on it with a warning, and --cognito-offline true uses it without a request', async () => {
    const cacheDir = newDir('plugin');
    fixture.mode = 'ok';
    let server = await startPlugin(cacheDir);
    assert.deepEqual(await whoIs(server, 'p1').then((r) => [r.status, r.sub]), [200, 'p1']);
    await waitFor(server, /kids \[key-a\] fetched \(cache not used\)/);
    assert.ok(fs.existsSync(cacheFileFor(cacheDir, jwksUrl(fixture.endpoint))));
    await server.stop();

    fixture.mode = 'status-500';
    server = await startPlugin(cacheDir);
    assert.deepEqual(await whoIs(server, 'p2').then((r) => [r.status, r.sub]), [200, 'p2']);
    await waitFor(server, /kids \[key-a\] from the cache \(the fetch failed/);
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
      await waitFor(server, /tokens get 503 until a later request loads the keys/);
      const early = await whoIs(server, 'early');
      assert.equal(early.status, 503, early.text);
      fixture.mode = 'ok';
      // At most one fetch per 10 s: wait out the window the failed load opened.
      await sleep(10_500);
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
    // No --client-id and no --allowed-roles: two warnings that --quiet must hold back.
    const server = await startServer({
      cwd: tmp,
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
        cwd: tmp,
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
      assert.match(server.output(), /kids \[key-a, key-b\] from the cache \(fetched \d+ s ago; refreshed once serving\)/);
      assert.equal(fixture.requests, before, 'run waited for the network although the copy was fresh');
      assert.equal(await statusOf(server, 'key-a'), 200);
      // The refresh, about a second in: then key-b is refused.
      const deadline = Date.now() + 15_000;
      while (fixture.requests === before && Date.now() < deadline) await sleep(100);
      assert.equal(fixture.requests, before + 1, 'no refresh after start-up');
      await sleep(200);
      assert.equal(await statusOf(server, 'key-b'), 403);
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
      await sleep(2_000);
      assert.ok(fixture.requests > start500, 'no refresh attempt');
      assert.equal(await statusOf(retried, 'key-a'), 200, 'the copy stays in use while the JWKS fails');
      fixture.mode = 'ok';
      const until = Date.now() + 15_000;
      while ((await statusOf(retried, 'key-a')) === 200 && Date.now() < until) await sleep(250);
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
      const deadline404 = Date.now() + 10_000;
      while ((await statusOf(gone, 'key-b')) === 200 && Date.now() < deadline404) await sleep(200);
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
      assert.match(again.output(), /kids \[key-a\] fetched \(cache not used\)/);
    } finally {
      await again.stop();
    }
  });
});
