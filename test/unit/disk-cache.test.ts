import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultCacheDir, homeCacheDir, resolveConfig } from '../../src/config/resolve';
import { ConfigError } from '../../src/errors';
import { cacheFileFor, describeAge, readCachedJwks, writeCachedJwks } from '../../src/jwks/disk-cache';
import { pemOf } from '../../src/jwks';
import { sharedKey } from './helpers';

const URL_A = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json';
const URL_B = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1/.well-known/jwks.json';
const jwksText = (...kids: string[]) => JSON.stringify({ keys: kids.map((kid) => sharedKey(kid).jwk) });

describe('the JWKS cache on disk', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-disk-cache-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a written copy reads back with its keys and fetch time', () => {
    const cacheDir = path.join(dir, 'round-trip', 'nested');
    const fetchedAt = Date.parse('2026-11-20T08:00:00.000Z');
    const file = writeCachedJwks(cacheDir, URL_A, jwksText('k1', 'k2'), fetchedAt);
    const read = readCachedJwks(cacheDir, URL_A);
    assert.equal(read.kind, 'hit');
    assert.ok(read.kind === 'hit');
    assert.deepEqual(read.cached.jwks.keys.map((k) => k.jwk.kid), ['k1', 'k2']);
    assert.equal(read.cached.fetchedAt, fetchedAt);
    assert.equal(read.cached.file, file);
    // Private: whoever can write these keys decides which tokens pass.
    assert.equal(fs.statSync(cacheDir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  test("a copy written with PEMs (as 0.1 wrote them) still loads: the PEMs are ignored", () => {
    const cacheDir = path.join(dir, 'pems');
    const file = writeCachedJwks(cacheDir, URL_A, jwksText('k1'), Date.now());
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...doc, pems: { k1: 'not a pem' } }), { mode: 0o600 });
    const read = readCachedJwks(cacheDir, URL_A);
    assert.ok(read.kind === 'hit');
    assert.deepEqual(read.cached.jwks.keys.map((k) => k.jwk.kid), ['k1']);
  });

  test('copies are kept per URL: one pool never reads another pool\'s keys', () => {
    const cacheDir = path.join(dir, 'per-url');
    writeCachedJwks(cacheDir, URL_A, jwksText('a1'), Date.now());
    writeCachedJwks(cacheDir, URL_B, jwksText('b1'), Date.now());
    assert.notEqual(cacheFileFor(cacheDir, URL_A), cacheFileFor(cacheDir, URL_B));
    const a = readCachedJwks(cacheDir, URL_A);
    const b = readCachedJwks(cacheDir, URL_B);
    assert.ok(a.kind === 'hit' && b.kind === 'hit');
    assert.deepEqual(a.cached.jwks.keys.map((k) => k.jwk.kid), ['a1']);
    assert.deepEqual(b.cached.jwks.keys.map((k) => k.jwk.kid), ['b1']);
  });

  test('a rewrite replaces the copy and leaves no temporary file behind', () => {
    const cacheDir = path.join(dir, 'rewrite');
    writeCachedJwks(cacheDir, URL_A, jwksText('old'), Date.now() - 60_000);
    writeCachedJwks(cacheDir, URL_A, jwksText('new'), Date.now());
    const read = readCachedJwks(cacheDir, URL_A);
    assert.ok(read.kind === 'hit');
    assert.deepEqual(read.cached.jwks.keys.map((k) => k.jwk.kid), ['new']);
    assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(cacheFileFor(cacheDir, URL_A))]);
  });

  test('no file is a miss', () => {
    assert.equal(readCachedJwks(path.join(dir, 'absent'), URL_A).kind, 'miss');
  });

  for (const [name, content, problem] of [
    ['truncated JSON', '{"url": "', /not valid JSON/],
    ['another URL', JSON.stringify({ url: URL_B, fetchedAt: new Date().toISOString(), jwks: { keys: [] } }), /another JWKS URL/],
    ['no fetch time', JSON.stringify({ url: URL_A, jwks: JSON.parse(jwksText('k1')) }), /fetchedAt/],
    ['a JWKS without keys', JSON.stringify({ url: URL_A, fetchedAt: new Date().toISOString(), jwks: { keys: [] } }), /empty/],
    ['JSON null', 'null', /not a JSON object/],
  ] as const) {
    test(`a corrupt file (${name}) is unusable, with the reason`, () => {
      const cacheDir = path.join(dir, `corrupt-${name.replace(/\W+/g, '-')}`);
      fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(cacheFileFor(cacheDir, URL_A), content, { mode: 0o600 });
      const read = readCachedJwks(cacheDir, URL_A);
      assert.equal(read.kind, 'unusable');
      assert.ok(read.kind === 'unusable');
      assert.match(read.problem, problem);
    });
  }

  test('a file other users can write is not trusted', { skip: process.platform === 'win32' }, () => {
    const cacheDir = path.join(dir, 'world-writable');
    const file = writeCachedJwks(cacheDir, URL_A, jwksText('k1'), Date.now());
    fs.chmodSync(file, 0o666);
    const read = readCachedJwks(cacheDir, URL_A);
    assert.ok(read.kind === 'unusable');
    assert.match(read.problem, /writable by other users/);
  });

  const isRoot = process.getuid?.() === 0;

  test('a file owned by another user is not trusted, even with mode 0600', { skip: !isRoot && 'needs root to give a file away' }, () => {
    const cacheDir = path.join(dir, 'foreign-file');
    const file = writeCachedJwks(cacheDir, URL_A, jwksText('k1'), Date.now());
    fs.chownSync(file, 65534, 65534);
    const read = readCachedJwks(cacheDir, URL_A);
    assert.ok(read.kind === 'unusable');
    assert.match(read.problem, /belongs to another user \(uid 65534\)/);
  });

  test('a shared folder is not trusted: world-writable (like /tmp), or another user\'s', () => {
    const shared = path.join(dir, 'shared');
    writeCachedJwks(shared, URL_A, jwksText('k1'), Date.now());
    fs.chmodSync(shared, 0o1777);
    const open = readCachedJwks(shared, URL_A);
    assert.ok(open.kind === 'unusable');
    assert.match(open.problem, /its folder .*shared is writable by other users \(mode 777\)/);
    if (isRoot) {
      fs.chmodSync(shared, 0o700);
      fs.chownSync(shared, 65534, 65534);
      const foreign = readCachedJwks(shared, URL_A);
      assert.ok(foreign.kind === 'unusable');
      assert.match(foreign.problem, /its folder .* belongs to another user/);
    }
  });

  test('a folder we create gets mode 0700 whatever the umask', () => {
    const previous = process.umask(0);
    try {
      const cacheDir = path.join(dir, 'umask-0');
      writeCachedJwks(cacheDir, URL_A, jwksText('k1'), Date.now());
      assert.equal(fs.statSync(cacheDir).mode & 0o777, 0o700);
      assert.equal(readCachedJwks(cacheDir, URL_A).kind, 'hit');
    } finally {
      process.umask(previous);
    }
  });

  test('a symbolic link, a named pipe or a folder in place of the file is not read, and nothing waits', () => {
    const linked = path.join(dir, 'link');
    const real = writeCachedJwks(path.join(dir, 'link-target'), URL_A, jwksText('k1'), Date.now());
    fs.mkdirSync(linked, { mode: 0o700 });
    fs.symlinkSync(real, cacheFileFor(linked, URL_A));
    const viaLink = readCachedJwks(linked, URL_A);
    assert.ok(viaLink.kind === 'unusable');
    assert.match(viaLink.problem, /symbolic link/);

    const piped = path.join(dir, 'fifo');
    fs.mkdirSync(piped, { mode: 0o700 });
    const made = spawnSync('mkfifo', ['-m', '600', cacheFileFor(piped, URL_A)]);
    if (made.status === 0) {
      const started = Date.now();
      const fifo = readCachedJwks(piped, URL_A);
      assert.ok(fifo.kind === 'unusable');
      assert.match(fifo.problem, /not a regular file/);
      assert.ok(Date.now() - started < 5_000);
    }

    const folder = path.join(dir, 'folder-in-place');
    fs.mkdirSync(cacheFileFor(folder, URL_A), { recursive: true, mode: 0o700 });
    fs.chmodSync(folder, 0o700);
    const notFile = readCachedJwks(folder, URL_A);
    assert.ok(notFile.kind === 'unusable');
    assert.match(notFile.problem, /not a regular file/);
  });

  test('ages read like a person would say them', () => {
    assert.equal(describeAge(12_400), '12 s');
    assert.equal(describeAge(5 * 60_000), '5 min');
    assert.equal(describeAge(3 * 3_600_000 + 12 * 60_000), '3 h 12 min');
    assert.equal(describeAge(5 * 86_400_000), '5 days');
  });
});

describe('cache settings', () => {
  const flags = { userPoolId: 'eu-west-1_AbC123' };

  test('the default folder follows XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }), '/var/cache/me/postgraphile-cognito');
    assert.equal(defaultCacheDir({ HOME: '/home/me' }), '/home/me/.cache/postgraphile-cognito');
    // A relative XDG_CACHE_HOME is ignored, as the XDG spec says.
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: 'rel', HOME: '/home/me' }), '/home/me/.cache/postgraphile-cognito');
    assert.equal(resolveConfig({ flags, env: { XDG_CACHE_HOME: '/x' } }).config.cacheDir, '/x/postgraphile-cognito');
  });

  test('without HOME and without an entry in the user list, the default is a ConfigError saying what to set', () => {
    // os.homedir() throws for a user the system does not know (a container run with --user 12345).
    const unknownUser = () => {
      throw new Error('A system error occurred: uv_os_homedir returned ENOENT (no such file or directory)');
    };
    assert.equal(homeCacheDir({}, unknownUser), null);
    assert.throws(
      () => defaultCacheDir({}, unknownUser),
      (error: unknown) =>
        error instanceof ConfigError && error.exitCode === 2 && /^no folder for the JWKS cache: HOME is unset/.test(error.message) && /--cache-dir/.test(error.hint ?? ''),
    );
    // Either variable is enough, and then the user list is not asked.
    assert.equal(defaultCacheDir({ HOME: '/home/me' }, unknownUser), '/home/me/.cache/postgraphile-cognito');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, unknownUser), '/var/cache/me/postgraphile-cognito');
  });

  test('--cache-dir beats POSTGRAPHILE_COGNITO_CACHE_DIR, which beats rc cacheDir; relative paths become absolute', () => {
    const rc = { filepath: '/p/.postgraphilerc.js', cognito: { cacheDir: '/from/rc' }, options: {} };
    const env = { POSTGRAPHILE_COGNITO_CACHE_DIR: '/from/env' };
    assert.equal(resolveConfig({ flags: { ...flags, cacheDir: '/from/flag' }, env, rc }).config.cacheDir, '/from/flag');
    assert.equal(resolveConfig({ flags, env, rc }).config.cacheDir, '/from/env');
    assert.equal(resolveConfig({ flags, rc }).config.cacheDir, '/from/rc');
    assert.equal(resolveConfig({ flags: { ...flags, cacheDir: 'cache' } }).config.cacheDir, path.resolve('cache'));
  });

  test('offline is off unless asked for by flag, environment or rc', () => {
    assert.equal(resolveConfig({ flags }).config.offline, false);
    assert.equal(resolveConfig({ flags: { ...flags, offline: 'true' } }).config.offline, true);
    for (const value of ['1', 'true', 'YES', 'on']) {
      assert.equal(resolveConfig({ flags, env: { POSTGRAPHILE_COGNITO_OFFLINE: value } }).config.offline, true, value);
    }
    for (const value of ['0', 'false', 'no', 'off']) {
      assert.equal(resolveConfig({ flags, env: { POSTGRAPHILE_COGNITO_OFFLINE: value } }).config.offline, false, value);
    }
    const rc = { filepath: '/p/.postgraphilerc.js', cognito: { offline: true }, options: {} };
    assert.equal(resolveConfig({ flags, rc }).config.offline, true);
  });

  test('an offline value that is not a yes or no is a configuration error naming its source', () => {
    assert.throws(
      () => resolveConfig({ flags, env: { POSTGRAPHILE_COGNITO_OFFLINE: 'sometimes' } }),
      (error: unknown) => error instanceof ConfigError && /POSTGRAPHILE_COGNITO_OFFLINE must be true or false, not "sometimes"/.test(error.message),
    );
  });
});
