/**
 * Hardening (issue 11), against the real server over HTTP and WebSockets:
 * no token, signed by the pool or forged, gets a 5xx or an internal message;
 * each refusal is followed by a valid request that still works. Also
 * `verify`, `pem` and `keys` with untrusted text in every shown field.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { asAdmin, createTestDatabase, TestDatabase, withUser } from '../helpers/db';
import { assertDatabaseRoleRefusals, assertNoLookAlikes, assertRefused, BatteryPool, WHOAMI } from '../helpers/battery';
import { JwksFixture } from '../helpers/jwks-server';
import { RunningServer, startServer } from '../helpers/server';
import { now, signRaw } from '../helpers/tokens';
import { overWebSocket } from '../helpers/websocket';

const POOL = 'local_hard1';
const LOGIN = `pgc_hard_login_${process.pid}`;
const PASSWORD = 'hard-login-password';
const ESCAPES = '\u001b]0;owned\u0007\u001b[2J\u009b31m';
/** Any raw control character a terminal could act on. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('hardening: no 5xx for any token, over HTTP and WebSockets (v4; the token battery is in plugin-fixture)', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let pool: BatteryPool;
  let server: RunningServer;
  let cwd: string;

  before(async () => {
    db = await createTestDatabase('hard');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
    pool = new BatteryPool(jwks, POOL);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-hard-'));
    // A login role that is not a superuser: it may switch to app_user and app_admin only.
    await asAdmin(`drop role if exists ${LOGIN}; create role ${LOGIN} login noinherit password '${PASSWORD}'; grant app_anonymous, app_user, app_admin to ${LOGIN}`);
    server = await startServer({
      cwd,
      // '*': any group is tried as a role, so the database is what refuses the unknown ones.
      cliArgs: ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', '*', '--authenticated-role', 'app_user'],
      postgraphileArgs: ['-c', withUser(db.url, LOGIN, PASSWORD), '--default-role', 'app_anonymous', '--dynamic-json', '--subscriptions', '--websockets', 'v1', '--websocket-operations', 'all'],
    });
  });

  after(async () => {
    await server?.stop();
    await jwks?.close();
    await db?.drop();
    await asAdmin(`drop role if exists ${LOGIN}`).catch(() => {});
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('a role the database refuses is a 403 with reason role, and the log names it once', async () => {
    await assertDatabaseRoleRefusals(server, pool);
  });

  test('a look-alike claim (SUB, Cognito:Groups) never supplies a registered claim’s setting', async () => {
    await assertNoLookAlikes(server, pool, 'app_user');
  });

  test('over WebSockets the close reason is our reason, never an internal message; the server keeps serving', async () => {
    const cases: [string, RegExp][] = [
      [pool.raw({}, 'null'), /malformed/],
      [pool.raw({}, pool.claimsText({ name: 'a\u0000b' })), /cannot store/],
      [pool.raw({ crit: ['b64'] }, pool.claimsText()), /unsupported critical header/],
      [pool.accessToken('ws', { 'cognito:groups': [`pgc_ghost_ws_${process.pid}`] }), /database refuses the role/],
    ];
    for (const [token, reason] of cases) {
      const result = await overWebSocket(server.port, token, WHOAMI, () => server.output());
      assert.ok(!result.data || (result.data as { whoami?: unknown }).whoami == null, JSON.stringify(result));
      assert.match(JSON.stringify(result.errors), reason);
      assert.doesNotMatch(JSON.stringify(result.errors), /Cannot read|TypeError|invalid byte sequence/);
    }
    const ok = await overWebSocket(server.port, pool.accessToken('ws-ok'), WHOAMI, () => server.output());
    assert.equal((ok.data as { whoami: { sub: string } }).whoami.sub, 'ws-ok');
  });

  test('the refusal log shows untrusted kid and sub escaped, never raw', async () => {
    await assertRefused(server, pool, { status: 403, reason: /unknown kid/ }, pool.raw({ kid: `k${ESCAPES}` }, pool.claimsText({ sub: `s${ESCAPES}` })));
    const log = server.output();
    assert.doesNotMatch(log, RAW_CONTROL);
    assert.match(log, /refused a token \(403, kid k\\u001b\]0;owned\\u0007\\u001b\[2J\\u009b31m, sub s\\u001b/);
  });

  test('verify exits 4, never 1, for tokens that once crashed it', async () => {
    const tokens = [pool.raw({}, 'null'), pool.raw({}, '[]'), pool.raw({}, '7'), pool.raw({}, pool.claimsText({ name: 'a\u0000b' })), pool.raw({ crit: ['exp'] }, pool.claimsText())];
    for (const token of tokens) {
      const r = await runCli(['verify', '--json', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', '*', token], { env: cleanEnv(), cwd });
      assert.equal(r.code, 4, show(r));
      const report = JSON.parse(r.stdout) as { valid: boolean; reason: string };
      assert.equal(report.valid, false);
      assert.ok(['malformed', 'claim_text'].includes(report.reason), r.stdout);
      assert.doesNotMatch(r.stderr, /unexpected/);
    }
  });
});

describe('untrusted text on the terminal: pem, verify, keys', () => {
  let jwks: JwksFixture;
  let cwd: string;
  before(async () => {
    // A hostile or broken endpoint: a kid full of escape sequences.
    jwks = await JwksFixture.start(['key-a', `key${ESCAPES}`]);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-hard-tty-'));
  });
  after(async () => {
    await jwks?.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });
  const pool = () => ['--user-pool-id', POOL, '--endpoint', jwks.endpoint];
  const cli = (args: string[]) => runCli(args, { env: cleanEnv(), cwd });
  const hostile = () => signRaw(jwks.keys.get('key-a')!.signing.privateKey, { alg: 'RS256', kid: `nokey${ESCAPES}` }, JSON.stringify({ sub: `x${ESCAPES}`, token_use: `access${ESCAPES}`, exp: now() + 60 }));

  test("pem --for-token with a kid full of escapes: exit 2, the kid shown escaped", async () => {
    const r = await cli(['pem', ...pool(), '--for-token', hostile()]);
    assert.equal(r.code, 2, show(r));
    assert.doesNotMatch(r.stdout + r.stderr, RAW_CONTROL);
    assert.match(r.stderr, /the token's kid "nokey\\u001b\]0;owned/);
  });

  test('verify, text and --json: kid, sub and token_use escaped; the JSON still parses to the exact values', async () => {
    const text = await cli(['verify', ...pool(), '--client-id', '*', '--allowed-roles', '*', hostile()]);
    assert.equal(text.code, 4, show(text));
    assert.doesNotMatch(text.stdout + text.stderr, RAW_CONTROL);
    assert.match(text.stdout, /^ {2}token_use {2}access\\u001b/m);
    const json = await cli(['verify', '--json', ...pool(), '--client-id', '*', '--allowed-roles', '*', hostile()]);
    assert.equal(json.code, 4, show(json));
    assert.doesNotMatch(json.stdout, RAW_CONTROL);
    const report = JSON.parse(json.stdout) as { kid: string; sub: string };
    assert.equal(report.kid, `nokey${ESCAPES}`);
    assert.equal(report.sub, `x${ESCAPES}`);
  });

  test('keys and the start-up line show a served kid escaped', async () => {
    for (const args of [['keys', ...pool()], ['keys', '--json', ...pool()], ['pem', ...pool(), '--kid', 'nope']]) {
      const r = await cli(args);
      assert.doesNotMatch(r.stdout + r.stderr, RAW_CONTROL, show(r));
      assert.match(r.stdout + r.stderr, /key\\u001b\]0;owned/, show(r));
    }
    const json = await cli(['keys', '--json', ...pool()]);
    assert.deepEqual((JSON.parse(json.stdout) as { kid: string }[]).map((k) => k.kid), ['key-a', `key${ESCAPES}`]);
  });
});
