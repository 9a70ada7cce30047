/**
 * The JWKS cache on disk, through the CLI: every fetch saved, --offline,
 * corrupt cache files and where the cache lives. (Each fault at start-up:
 * jwks-cache-faults.test.ts; while serving: jwks-cache-serving.test.ts.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cacheFileFor } from '../../src/jwks/disk-cache';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, parseJsonArray, show } from '../helpers/cli-assert';
import { cacheWorkspace, jwksUrl, POOL } from '../helpers/jwks-cache';
import { JwksFixture } from '../helpers/jwks-server';
import { freePort } from '../helpers/net';

const workspace = cacheWorkspace();
const { newDir, keys } = workspace;

const kidsOf = (r: Awaited<ReturnType<typeof runCli>>) => parseJsonArray(r).map((k) => (k as unknown as { kid: string }).kid);

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
      const r = await runCli(['pem', '--all', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--cache-dir', dir, ...extra], { env: cleanEnv(), cwd: workspace.dir() });
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
    const noFlag = (env: NodeJS.ProcessEnv, cwd = workspace.dir()) =>
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
