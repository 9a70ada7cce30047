/**
 * `keys` and `pem` end to end: the built CLI as a child process against our
 * own JWKS server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, referencePem, show } from '../helpers/cli-assert';
import { accessClaims, idClaims, JwksFixture } from '../helpers/jwks-server';

const POOL = 'local_abc123';

describe('keys and pem against a two-key JWKS', () => {
  let two: JwksFixture;
  let one: JwksFixture;
  let tmp: string;
  let cwd: string;

  const pool = (fixture: JwksFixture) => ['--user-pool-id', POOL, '--endpoint', fixture.endpoint];
  const cli = (args: string[], input?: string) => runCli(args, { env: cleanEnv(), cwd, ...(input !== undefined ? { input } : {}) });
  const pemOfFixture = (fixture: JwksFixture, kid: string) => referencePem(fixture.keys.get(kid)!.jwk);

  before(async () => {
    two = await JwksFixture.start(['key-a', 'key-b']);
    one = await JwksFixture.start(['only-key']);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-pem-'));
    // An empty working directory: no rc file can leak in.
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-cwd-'));
  });

  after(async () => {
    await two?.close();
    await one?.close();
    for (const dir of [tmp, cwd]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('keys prints a table of every key', async () => {
    const r = await cli(['keys', ...pool(two)]);
    assertOk(r);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3, show(r));
    assert.match(lines[0]!, /^KID\s+ALG\s+KTY\s+USE$/, show(r));
    assert.match(lines[1]!, /^key-a\s+RS256\s+RSA\s+sig$/, show(r));
    assert.match(lines[2]!, /^key-b\s+RS256\s+RSA\s+sig$/, show(r));
    assert.equal(two.requests > 0, true);
  });

  test('keys --json prints kid, alg, kty, use and issuer of every key', async () => {
    const r = await cli(['keys', '--json', ...pool(two)]);
    assertOk(r);
    const issuer = two.issuer(POOL);
    assert.deepEqual(JSON.parse(r.stdout), [
      { kid: 'key-a', alg: 'RS256', kty: 'RSA', use: 'sig', issuer },
      { kid: 'key-b', alg: 'RS256', kty: 'RSA', use: 'sig', issuer },
    ]);
  });

  test("pem of a pool with one key equals node:crypto's own conversion", async () => {
    const r = await cli(['pem', ...pool(one)]);
    assertOk(r);
    assert.equal(r.stdout, pemOfFixture(one, 'only-key'));
    assert.match(r.stdout, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
  });

  test('pem with two keys and no selector exits 2, listing the kids and how to choose', async () => {
    const r = await cli(['pem', ...pool(two)]);
    assertCleanError(r, 2, /key-a/, /key-b/, /--kid/, /--for-token/, /--all/);
  });

  test('pem --kid picks that key', async () => {
    const r = await cli(['pem', '--kid', 'key-b', ...pool(two)]);
    assertOk(r);
    assert.equal(r.stdout, pemOfFixture(two, 'key-b'));
    assert.notEqual(r.stdout, pemOfFixture(two, 'key-a'));
  });

  test('pem --kid with an unknown kid exits 2 naming it and the known kids', async () => {
    const r = await cli(['pem', '--kid', 'no-such-kid', ...pool(two)]);
    assertCleanError(r, 2, /no-such-kid/, /key-a/, /key-b/);
  });

  test("pem --for-token TOKEN picks the key named by the token's header", async () => {
    const token = two.sign('key-b', accessClaims('user-1'));
    const r = await cli(['pem', '--for-token', token, ...pool(two)]);
    assertOk(r);
    assert.equal(r.stdout, pemOfFixture(two, 'key-b'));
    const other = await cli(['pem', '--for-token', two.sign('key-a', idClaims('user-1')), ...pool(two)]);
    assertOk(other);
    assert.equal(other.stdout, pemOfFixture(two, 'key-a'));
  });

  test('pem --for-token - reads the token from stdin', async () => {
    const token = two.sign('key-b', accessClaims('user-2'));
    const r = await cli(['pem', '--for-token', '-', ...pool(two)], `${token}\n`);
    assertOk(r);
    assert.equal(r.stdout, pemOfFixture(two, 'key-b'));
  });

  test('pem --for-token - with nothing on stdin exits 2 instead of picking a key', async () => {
    const r = await cli(['pem', ...pool(one), '--for-token', '-'], '');
    assertCleanError(r, 2, /no token on stdin/);
  });

  test("pem takes the kid from the rc file's cognito.kid", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-rc-kid-'));
    try {
      fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), `module.exports = { cognito: { kid: 'key-b' } };`);
      const r = await runCli(['pem', ...pool(two)], { env: cleanEnv(), cwd: dir });
      assertOk(r);
      assert.equal(r.stdout, pemOfFixture(two, 'key-b'));
      // Another selector on the command line replaces the rc file's kid instead of clashing with it.
      const all = await runCli(['pem', ...pool(two), '--all'], { env: cleanEnv(), cwd: dir });
      assertOk(all);
      assert.equal(all.stdout, pemOfFixture(two, 'key-a') + pemOfFixture(two, 'key-b'));
      // An explicit --kid with another selector is still a clash.
      assertCleanError(await runCli(['pem', ...pool(two), '--all', '--kid', 'key-a'], { env: cleanEnv(), cwd: dir }), 2, /only one/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pem --for-token with a kid the pool does not publish exits 2', async () => {
    two.addKey('key-unpublished', false);
    const token = two.sign('key-unpublished', accessClaims('user-3'));
    const r = await cli(['pem', '--for-token', token, ...pool(two)]);
    assertCleanError(r, 2, /key-unpublished/, /key-a/);
  });

  test('pem --for-token with something that is not a JWT exits 2', async () => {
    const r = await cli(['pem', '--for-token', 'not-a-token', ...pool(two)]);
    assertCleanError(r, 2, /--for-token/);
  });

  test('pem --all prints every key, in JWKS order', async () => {
    const r = await cli(['pem', '--all', ...pool(two)]);
    assertOk(r);
    assert.equal(r.stdout, pemOfFixture(two, 'key-a') + pemOfFixture(two, 'key-b'));
  });

  test('pem with two selectors at once exits 2', async () => {
    const r = await cli(['pem', '--all', '--kid', 'key-a', ...pool(two)]);
    assertCleanError(r, 2, /only one of/);
  });

  test('pem --out writes the file, readable, and prints nothing', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'out-'));
    const file = path.join(dir, 'cognito.pem');
    const r = await cli(['pem', '--kid', 'key-a', '--out', file, ...pool(two)]);
    assertOk(r);
    assert.equal(r.stdout, '');
    assert.equal(fs.readFileSync(file, 'utf8'), pemOfFixture(two, 'key-a'));
    const mode = fs.statSync(file).mode & 0o777;
    assert.equal(mode, 0o644 & ~process.umask(), `mode ${mode.toString(8)}`);
    assert.deepEqual(fs.readdirSync(dir), ['cognito.pem']);
  });

  test('pem --out with a relative path writes relative to the working directory', async () => {
    const r = await cli(['pem', '--kid', 'key-b', '--out', 'relative.pem', ...pool(two)]);
    assertOk(r);
    assert.equal(fs.readFileSync(path.join(cwd, 'relative.pem'), 'utf8'), pemOfFixture(two, 'key-b'));
    fs.rmSync(path.join(cwd, 'relative.pem'));
  });

  test('pem --out into a missing folder exits 2 and leaves nothing behind', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'missing-'));
    const file = path.join(dir, 'no-such-folder', 'cognito.pem');
    const r = await cli(['pem', '--kid', 'key-a', '--out', file, ...pool(two)]);
    assertCleanError(r, 2, literal(file), /ENOENT/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('pem --out whose rename fails (target is a folder) exits 2 and removes its temp file', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'isdir-'));
    const target = path.join(dir, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'x');
    const r = await cli(['pem', '--kid', 'key-a', '--out', target, ...pool(two)]);
    assertCleanError(r, 2, literal(target));
    assert.deepEqual(fs.readdirSync(dir), ['taken'], 'a temp file was left in the folder');
    assert.deepEqual(fs.readdirSync(target), ['inside']);
  });

  test('pem --out replaces an existing file atomically (a new file renamed over it)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'replace-'));
    const file = path.join(dir, 'cognito.pem');
    fs.writeFileSync(file, 'old content, longer than nothing\n'.repeat(100));
    const before = fs.statSync(file);
    // A reader that opened the old file keeps seeing the old file, never a half-written one.
    const fd = fs.openSync(file, 'r');
    try {
      const r = await cli(['pem', '--kid', 'key-b', '--out', file, ...pool(two)]);
      assertOk(r);
      assert.equal(r.stdout, '');
      assert.equal(fs.readFileSync(file, 'utf8'), pemOfFixture(two, 'key-b'));
      assert.notEqual(fs.statSync(file).ino, before.ino, 'the file was rewritten in place, not renamed over');
      const old = Buffer.alloc(64);
      fs.readSync(fd, old, 0, 64, 0);
      assert.match(old.toString('utf8'), /^old content/);
    } finally {
      fs.closeSync(fd);
    }
    assert.deepEqual(fs.readdirSync(dir), ['cognito.pem'], 'a temp file was left in the folder');
  });
});
