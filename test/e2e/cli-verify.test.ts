/**
 * `verify`: one token checked exactly as the server checks it, with the
 * reason when refused (exit 4), the role and the settings when valid (exit 0).
 * Also --quiet, which every command takes.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TokenReport } from '../../src/cli/token-report';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, show } from '../helpers/cli-assert';
import { accessClaims, idClaims, JwksFixture } from '../helpers/jwks-server';
import { hs256WithSecret, now, tamperPayload, unsignedToken } from '../helpers/tokens';

const POOL = 'local_verify1';

type Report = TokenReport;

describe('verify', () => {
  let fixture: JwksFixture;
  let cwd: string;
  let cacheDir: string;
  const iss = () => fixture.issuer(POOL);
  const config = () => [
    '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--client-id', 'client1',
    '--allowed-roles', 'app_user,app_admin', '--authenticated-role', 'app_user', '--cache-dir', cacheDir,
  ];
  const verify = (token: string, extra: string[] = [], input?: string) =>
    runCli(['verify', ...config(), ...extra, token], { env: cleanEnv(), cwd, ...(input !== undefined ? { input } : {}) });
  const verifyJson = async (token: string, expectedCode: number, extra: string[] = []): Promise<Report> => {
    const r = await verify(token, ['--json', ...extra]);
    assert.equal(r.code, expectedCode, show(r));
    return JSON.parse(r.stdout) as Report;
  };
  const access = (sub: string, extra: Record<string, unknown> = {}, kid = 'key-b') =>
    fixture.sign(kid, accessClaims(sub, extra), { issuer: iss() });

  before(async () => {
    fixture = await JwksFixture.start(['key-a', 'key-b']);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-verify-'));
    cacheDir = path.join(cwd, 'cache');
  });
  after(async () => {
    await fixture.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('a valid token: exit 0, with kid, token_use, subject, expiry, role and setting names', async () => {
    const token = access('user-7', { 'cognito:groups': ['app_admin'], 'custom:tenant_id': 'acme' });
    const r = await verify(token);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`^VALID for user pool ${POOL}\\n`));
    assert.match(r.stdout, /^ {2}kid {8}key-b$/m);
    assert.match(r.stdout, /^ {2}token_use {2}access$/m);
    assert.match(r.stdout, /^ {2}subject {4}user-7$/m);
    assert.match(r.stdout, /^ {2}expires {4}20\d\d-\d\d-\d\dT[\d:.]+Z \(in (59 min|1 h 0 min)\)$/m);
    assert.match(r.stdout, /^ {2}role {7}app_admin$/m);
    const settings = /^ {2}settings {3}(.*)$/m.exec(r.stdout)?.[1]?.split(', ') ?? [];
    for (const name of ['role', 'jwt.claims', 'jwt.claims.sub', 'jwt.claims.cognito_groups', 'jwt.claims.custom_tenant_id']) {
      assert.ok(settings.includes(name), `${name} missing from ${settings.join(', ')}`);
    }
    // Names only in the text output: no claim values, no token.
    assert.ok(!r.stdout.includes('acme'), r.stdout);
    assert.ok(!r.stdout.includes(token.split('.')[2]!), 'the signature was printed');
  });

  test('--json for a valid token: valid, role, claims and every setting with its value', async () => {
    const report = await verifyJson(access('user-8', { 'cognito:groups': ['nobody-knows', 'app_user'] }), 0);
    assert.equal(report.valid, true);
    assert.equal(report.reason, undefined);
    assert.equal(report.role, 'app_user');
    assert.equal(report.claims?.sub, 'user-8');
    assert.equal(report.settings?.role, 'app_user');
    assert.equal(report.settings?.['jwt.claims.sub'], 'user-8');
    assert.equal(report.settings?.['jwt.claims.cognito_groups'], '["nobody-knows","app_user"]');
    assert.equal(report.kid, 'key-b');
    assert.equal(report.tokenUse, 'access');
  });

  test('no role claim: the --authenticated-role', async () => {
    const report = await verifyJson(access('user-9'), 0);
    assert.equal(report.role, 'app_user');
  });

  // Each reason the issue lists, and the code scripts can rely on.
  const refusals: [string, () => string, string, RegExp][] = [
    ['expired', () => access('old', { exp: now() - 3600, iat: now() - 7200 }), 'expired', /token expired/],
    ['an ID token where access tokens are required', () => fixture.sign('key-a', idClaims('id-user'), { issuer: iss() }), 'token_use', /only access tokens/],
    ['another app client', () => access('other-client', { client_id: 'client2' }), 'client', /app client is not allowed/],
    ['another pool as issuer', () => fixture.sign('key-b', accessClaims('x'), { issuer: fixture.issuer('local_other9') }), 'issuer', /issuer "http:\/\/127\.0\.0\.1:\d+\/local_other9" is not trusted \(expected http:\/\/127\.0\.0\.1:\d+\/local_verify1\)/],
    ['a tampered payload', () => tamperPayload(access('victim'), (c) => ({ ...c, sub: 'attacker' })), 'invalid_signature', /invalid signature/],
    ['an unknown kid', () => fixture.sign('key-a', accessClaims('x'), { issuer: iss(), keyid: 'not-in-the-pool' }), 'unknown_kid', /unknown kid/],
    ['HS256', () => hs256WithSecret({ ...accessClaims('x'), iss: iss(), exp: now() + 600 }, 'key-b', 'secret'), 'algorithm', /not RS256/],
    ['a role outside the allowed list', () => access('climber', { 'cognito:groups': ['postgres'] }), 'role', /allowed/],
  ];
  for (const [name, make, reason, detail] of refusals) {
    test(`refused (${name}): exit 4 with reason ${reason}`, async () => {
      const token = make();
      const r = await verify(token);
      assert.equal(r.code, 4, show(r));
      assert.match(r.stdout, new RegExp(`^INVALID: ${reason} \\(`), show(r));
      assert.match(r.stdout, detail, show(r));
      assert.match(r.stdout, /read from the token without trusting it/);
      assert.equal(r.stderr.includes('error:'), false, show(r));
      const report = await verifyJson(token, 4);
      assert.deepEqual([report.valid, report.reason], [false, reason]);
      assert.match(report.detail ?? '', detail);
      assert.equal(report.claims, undefined, 'claims of a refused token are not vouched for');
      assert.equal(report.role, undefined);
    });
  }

  test('a refusal with a plain fix says it: --token-use for an ID token, the endpoint or pool id the token names', async () => {
    const id = await verify(fixture.sign('key-a', idClaims('id-user'), { issuer: iss() }));
    assert.equal(id.code, 4, show(id));
    assert.match(id.stdout, /^INVALID: token_use \(token_use is id, but only access tokens are accepted\)\n/, show(id));
    assert.match(id.stdout, /^ {2}hint: to accept ID tokens, pass --token-use id \(or --token-use any for both\)$/m, show(id));
    assert.equal((JSON.parse((await verify(fixture.sign('key-a', idClaims('id-user'), { issuer: iss() }), ['--json'])).stdout) as Report).hint, 'to accept ID tokens, pass --token-use id (or --token-use any for both)');
    // The fixture signs for 127.0.0.1; the pool is configured on localhost, the same server by another name.
    const localhost = fixture.endpoint.replace('127.0.0.1', 'localhost');
    const host = await verify(access('x'), ['--endpoint', localhost]);
    assert.equal(host.code, 4, show(host));
    assert.match(host.stdout, /^INVALID: issuer \(issuer "http:\/\/127\.0\.0\.1:\d+\/local_verify1" is not trusted \(expected http:\/\/localhost:\d+\/local_verify1\)\)\n/, show(host));
    assert.ok(host.stdout.includes(`\n  hint: the token names the endpoint ${fixture.endpoint}: use the endpoint the tokens name (--endpoint ${fixture.endpoint})\n`), show(host));
    const pool = await verify(fixture.sign('key-b', accessClaims('x'), { issuer: fixture.issuer('local_other9') }));
    assert.match(pool.stdout, /^ {2}hint: the token is of user pool local_other9, not local_verify1: check --user-pool-id$/m, show(pool));
    // No obvious fix, no hint.
    assert.doesNotMatch((await verify(access('old', { exp: now() - 3600, iat: now() - 7200 }))).stdout, /hint:/);
  });

  test('the token from standard input (-), with a "Bearer " prefix', async () => {
    const r = await verify('-', [], `Bearer ${access('piped')}\n`);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /subject {4}piped/);
  });

  test('no token: a usage error (exit 2)', async () => {
    assertCleanError(await verify('-', [], ''), 2, /no token given/, /standard input was empty/);
    const missing = await runCli(['verify', ...config()], { env: cleanEnv(), cwd });
    assert.equal(missing.code, 2, show(missing));
    assert.match(missing.stderr, /missing required argument 'token'/);
  });

  test('untrusted kid and sub never reach the terminal raw; an exp beyond any date is no crash', async () => {
    const hostile = unsignedToken({ sub: '\nVALID for user pool x\u001b]0;pwned\u0007', exp: 1e20, token_use: 'access' }, 'k\u001b[31mred');
    const r = await verify(hostile);
    assert.equal(r.code, 4, show(r));
    // Its iss (none) is checked first: no trusted issuer, so nothing else is looked at.
    assert.match(r.stdout, /^INVALID: issuer \(issuer \(none\) is not trusted/);
    assert.doesNotMatch(r.stdout, /\u001b|\u0007/, 'an escape sequence reached the terminal');
    assert.equal(r.stdout.match(/^VALID for user pool/gm), null, 'a forged VALID line');
    // Shown, but escaped: the newline cannot start a line of its own, the escapes do nothing.
    assert.match(r.stdout, /^ {2}kid {8}k\\u001b\[31mred$/m);
    assert.match(r.stdout, /^ {2}subject {4}\\u000aVALID for user pool x\\u001b\]0;pwned\\u0007$/m);
    assert.match(r.stdout, /^ {2}expires {4}exp 100000000000000000000 \(not a date\)$/m);
    assert.equal(r.stderr, '', show(r));
  });

  test('a string that is not a JWT: exit 4, malformed', async () => {
    const report = await verifyJson('not-a-token', 4);
    assert.equal(report.reason, 'malformed');
  });

  // Port 9 (discard) is closed here: the pool's JWKS cannot be fetched.
  const unreachable = (token: string, extra: string[] = []) =>
    runCli(['verify', '--user-pool-id', POOL, '--endpoint', 'http://127.0.0.1:9', '--cache-dir', path.join(cwd, 'empty'), ...extra, token], { env: cleanEnv(), cwd });

  test('no JWKS and no cached copy: exit 3 for a token of the trusted pool, not a verdict', async () => {
    const r = await unreachable(fixture.sign('key-b', accessClaims('x'), { issuer: `http://127.0.0.1:9/${POOL}` }));
    assertCleanError(r, 3, /could not get the JWKS/);
  });

  test('an untrusted issuer, or a malformed token, is refused before any key is fetched: exit 4 even with no JWKS', async () => {
    // The fixture's issuer is not the one --endpoint 127.0.0.1:9 names.
    const r = await unreachable(access('x'));
    assert.equal(r.code, 4, show(r));
    assert.match(r.stdout, /^INVALID: issuer \(issuer "http:\/\/127\.0\.0\.1:\d+\/local_verify1" is not trusted \(expected http:\/\/127\.0\.0\.1:9\/local_verify1\)\)\n/, show(r));
    assert.doesNotMatch(r.stderr, /JWKS/, show(r));
    const malformed = await unreachable('not-a-token', ['--json']);
    assert.equal(malformed.code, 4, show(malformed));
    assert.equal((JSON.parse(malformed.stdout) as Report).reason, 'malformed');
    assert.doesNotMatch(malformed.stderr, /JWKS/, show(malformed));
  });
});

describe('--quiet', () => {
  let fixture: JwksFixture;
  let cwd: string;
  before(async () => {
    fixture = await JwksFixture.start(['key-a']);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-quiet-'));
  });
  after(async () => {
    await fixture.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('silences warnings but not errors', async () => {
    const cacheDir = path.join(cwd, 'cache');
    const keys = (extra: string[]) =>
      runCli(['keys', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--cache-dir', cacheDir, ...extra], { env: cleanEnv(), cwd });
    assert.equal((await keys([])).code, 0);
    fixture.mode = 'status-500';
    // The cached copy is used: normally with a warning, with --quiet without one.
    const loud = await keys([]);
    assert.equal(loud.code, 0, show(loud));
    assert.match(loud.stderr, /warning: could not get the JWKS/);
    const quiet = await keys(['--quiet']);
    assert.equal(quiet.code, 0, show(quiet));
    assert.equal(quiet.stderr, '', show(quiet));
    assert.match(quiet.stdout, /key-a/);
    // An error is still said.
    const failing = await runCli(['keys', '--quiet', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--cache-dir', path.join(cwd, 'none')], {
      env: cleanEnv(),
      cwd,
    });
    assertCleanError(failing, 3, /HTTP 500/);
  });
});
