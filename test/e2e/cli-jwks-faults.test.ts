/**
 * JWKS faults end to end: each exits 3 naming the JWKS URL and the cause,
 * within bounded time, with retries where they make sense.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, show } from '../helpers/cli-assert';
import { ARGS_FAILED_LINE } from '../helpers/args-failure';
import { JwksFixture, JwksMode } from '../helpers/jwks-server';
import { freePort } from '../helpers/net';
import { TIMING } from '../../src/timing';

const POOL = 'local_abc123';

describe('JWKS faults exit 3 naming the URL and the cause', () => {
  const fixtures: JwksFixture[] = [];
  let cwd: string;

  async function fixtureIn(mode: JwksMode, kids: string[] = ['key-a', 'key-b']): Promise<JwksFixture> {
    const fixture = await JwksFixture.start(kids);
    fixture.mode = mode;
    fixtures.push(fixture);
    return fixture;
  }
  const jwksUrl = (endpoint: string, pool = POOL) => `${endpoint}/${pool}/.well-known/jwks.json`;
  const keys = (endpoint: string, env: NodeJS.ProcessEnv = {}, pool = POOL) =>
    runCli(['keys', '--user-pool-id', pool, '--endpoint', endpoint], { env: cleanEnv(env), cwd });

  before(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-faults-'));
  });

  after(async () => {
    for (const fixture of fixtures) await fixture.close();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('HTTP 500: retried with back-off, then exit 3 naming the status', async () => {
    const fixture = await fixtureIn('status-500');
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /HTTP 500/);
    assert.ok(fixture.requests > 1, `expected a retry, saw ${fixture.requests} request(s)`);
    // Back-off: the attempts are spread out, not fired back to back.
    assert.ok(r.ms >= TIMING.fetchBackoffMs[0]! * (fixture.requests - 1), `${fixture.requests} attempts within ${r.ms} ms`);
    assert.ok(r.ms < 20_000, show(r));
  });

  test('HTTP 404: exit 3 at once, without retrying', async () => {
    const fixture = await fixtureIn('not-found');
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /HTTP 404/);
    assert.equal(fixture.requests, 1);
  });

  test('a redirect is not followed: exit 3 naming it', async () => {
    const fixture = await fixtureIn('redirect');
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /HTTP 302 redirect to http:\/\/127\.0\.0\.1:\d+\/elsewhere/, /not followed/);
    assert.equal(fixture.requests, 1, 'the redirect target was fetched');
  });

  test('invalid JSON: exit 3', async () => {
    const fixture = await fixtureIn('invalid-json');
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /not valid JSON/);
  });

  test('an empty key list: exit 3', async () => {
    const fixture = await fixtureIn('empty');
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /"keys" list is empty/);
  });

  test('pem and args fail the same way (exit 3)', async () => {
    const fixture = await fixtureIn('invalid-json');
    for (const [command, ...choices] of [['pem'], ['args', '--client-id', '*', '--allowed-roles', '*']] as const) {
      const r = await runCli([command, '--user-pool-id', POOL, '--endpoint', fixture.endpoint, ...choices], { env: cleanEnv(), cwd });
      assert.equal(r.code, 3, `${command}\n${show(r)}`);
      assert.equal(r.stdout, command === 'args' ? ARGS_FAILED_LINE : '', command);
      assert.match(r.stderr, literal(jwksUrl(fixture.endpoint)));
    }
  });

  test('a server that never answers: exit 3 with a timeout in under 20 s', async () => {
    const fixture = await fixtureIn('hang');
    const r = await runCli(['keys', '--user-pool-id', POOL, '--endpoint', fixture.endpoint], { env: cleanEnv(), cwd, timeoutMs: 40_000 });
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /timeout/);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
    assert.ok(fixture.requests >= 1);
  });

  test('a server that answers a byte at a time, forever: exit 3 with a timeout in under 20 s', async () => {
    const fixture = await fixtureIn('drip');
    const r = await runCli(['keys', '--user-pool-id', POOL, '--endpoint', fixture.endpoint], { env: cleanEnv(), cwd, timeoutMs: 40_000 });
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /timeout/);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  });

  test('an answer over 1 MiB: exit 3 without reading it all', async () => {
    const fixture = await fixtureIn('huge');
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /larger than 1 MiB/);
    assert.equal(fixture.requests, 1, 'not retried');
  });

  test('an answer cut off mid-body: retried, then exit 3 saying so', async () => {
    const fixture = await fixtureIn('cut-off');
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /cut off|reset/);
    assert.ok(fixture.requests > 1, `fetched ${fixture.requests} time(s)`);
  });

  test('a port nobody listens on: exit 3, connection refused, fast', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const r = await keys(endpoint);
    assertCleanError(r, 3, literal(jwksUrl(endpoint)), /connection refused/);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  test('a host that does not resolve (.invalid): exit 3 naming DNS, fast', async () => {
    const endpoint = 'https://nonexistent.invalid';
    const r = await keys(endpoint);
    assertCleanError(r, 3, literal(jwksUrl(endpoint)), /DNS/);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  test('the default AWS endpoint through a dead proxy: exit 3, fast, and no real network', async () => {
    const proxyPort = await freePort();
    const r = await runCli(['keys', '--user-pool-id', 'eu-west-1_AbC123'], {
      env: cleanEnv({ HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` }),
      cwd,
    });
    assertCleanError(r, 3, literal('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json'), /connection refused/);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  });

  test('an unfit key is skipped with a warning; the good one is used (exit 0)', async () => {
    const fixture = await fixtureIn('ok', ['good-key', 'enc-key']);
    fixture.keys.get('enc-key')!.jwk.use = 'enc';
    const r = await runCli(['keys', '--json', '--user-pool-id', POOL, '--endpoint', fixture.endpoint], { env: cleanEnv(), cwd });
    assertOk(r);
    assert.deepEqual(JSON.parse(r.stdout).map((k: { kid: string }) => k.kid), ['good-key']);
    assert.match(r.stderr, /^postgraphile-cognito: warning: .*enc-key.*"enc"/m, show(r));
    assert.doesNotMatch(r.stderr, /good-key/);
    // The one usable key needs no selector.
    const pem = await runCli(['pem', '--user-pool-id', POOL, '--endpoint', fixture.endpoint], { env: cleanEnv(), cwd });
    assertOk(pem);
    assert.match(pem.stdout, /^-----BEGIN PUBLIC KEY-----/);
  });

  test('no usable key left: exit 3 naming why each was skipped', async () => {
    const fixture = await fixtureIn('ok', ['hs-key', 'enc-key']);
    fixture.keys.get('enc-key')!.jwk.use = 'enc';
    fixture.keys.get('hs-key')!.jwk.alg = 'RS512';
    const r = await keys(fixture.endpoint);
    assertCleanError(r, 3, literal(jwksUrl(fixture.endpoint)), /no usable key/, /enc-key/, /hs-key/, /RS512/);
  });
});
