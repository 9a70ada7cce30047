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
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { RunningServer, startServer } from '../helpers/server';
import { now, signRaw } from '../helpers/tokens';
import { overWebSocket } from '../helpers/websocket';

const POOL = 'local_hard1';
const LOGIN = `pgc_hard_login_${process.pid}`;
const PASSWORD = 'hard-login-password';
const ESCAPES = '\u001b]0;owned\u0007\u001b[2J\u009b31m';
/** Any raw control character a terminal could act on. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

interface Who {
  role: string;
  sub: string | null;
  groups: string | null;
  claims: string | null;
}

describe('hardening: no 5xx for any token, over HTTP and WebSockets', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let server: RunningServer;
  let cwd: string;

  const iss = () => jwks.issuer(POOL);
  const signed = (claims: Record<string, unknown>) => jwks.sign('key-a', claims, { issuer: iss() });
  const raw = (header: Record<string, unknown>, payloadJson: string) => signRaw(jwks.keys.get('key-a')!.signing.privateKey, header, payloadJson);
  const header = { alg: 'RS256', typ: 'JWT', kid: 'key-a' };
  const claimsText = (extra: Record<string, unknown> = {}) => JSON.stringify({ ...accessClaims('user-1'), iss: iss(), exp: now() + 600, ...extra });

  /** A valid request works, as the user it names. */
  async function stillServes(sub = 'after'): Promise<void> {
    const ok = await server.graphql('{ whoami }', signed(accessClaims(sub)));
    assert.equal(ok.status, 200, ok.text);
    assert.equal((ok.body.data!.whoami as Who).sub, sub);
  }

  async function refused(token: string, reason: RegExp, status = 403): Promise<void> {
    const res = await server.graphql('{ whoami }', token);
    assert.equal(res.status, status, res.text);
    assert.equal(res.body.data ?? null, null, res.text);
    assert.match(res.body.errors?.[0]?.message ?? '', reason, res.text);
    assert.doesNotMatch(res.text, /Cannot read|TypeError|invalid byte sequence|at [\w.]+ \(/, 'an internal message reached the client');
  }

  before(async () => {
    db = await createTestDatabase('hard');
    jwks = await JwksFixture.start(['key-a']);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-hard-'));
    // A login role that is not a superuser: it may switch to app_user and app_admin only.
    await asAdmin(`drop role if exists ${LOGIN}; create role ${LOGIN} login noinherit password '${PASSWORD}'; grant app_anonymous, app_user, app_admin to ${LOGIN}`);
    server = await startServer({
      cwd,
      // '*': any group is tried as a role, so the database is what refuses the unknown ones.
      cliArgs: ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', '*', '--authenticated-role', 'app_user'],
      postgraphileArgs: ['-c', withUser(db.url, LOGIN, PASSWORD), '--default-role', 'app_anonymous', '--dynamic-json', '--subscriptions', '--websockets', 'v1', '--websocket-operations', 'all'],
    });
    await stillServes('first');
  });

  after(async () => {
    await server?.stop();
    await jwks?.close();
    await db?.drop();
    await asAdmin(`drop role if exists ${LOGIN}`).catch(() => {});
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('a payload that is not a JSON object (null, array, number, string, boolean) is malformed: 403, signed or not', async () => {
    for (const payload of ['null', '[]', '[1,2]', '42', '"text"', 'true']) {
      await refused(raw(header, payload), /malformed/);
      await refused(`${raw(header, payload).split('.').slice(0, 2).join('.')}.c2ln`, /malformed/);
    }
    await refused(raw(header, '{not json'), /malformed/);
    await refused(raw({ ...header, typ: null }, 'null'), /malformed/);
    await stillServes();
  });

  test('a pool-signed token with a NUL character in a claim is refused before any SQL runs', async () => {
    for (const extra of [{ name: 'a\u0000b' }, { sub: 'user\u0000x' }, { 'weird\u0000name': 'x' }, { nested: { deep: ['ok', 'n\u0000l'] } }, { name: '\ud800' }]) {
      await refused(raw(header, claimsText(extra)), /cannot store/);
    }
    assert.doesNotMatch(server.output(), /invalid byte sequence|unsupported Unicode escape/);
    await stillServes();
  });

  test('a crit header is refused (RFC 7515: a critical extension we do not understand)', async () => {
    await refused(raw({ ...header, crit: ['exp'] }, claimsText()), /unsupported critical header/);
    await refused(raw({ ...header, crit: [] }, claimsText()), /unsupported critical header/);
    await stillServes();
  });

  test('a role the database refuses is a 403 with reason role, and the log names it once', async () => {
    const ghost = `pgc_ghost_${process.pid}`;
    for (let i = 0; i < 5; i++) await refused(signed(accessClaims(`g${i}`, { 'cognito:groups': [ghost] })), /database refuses the role/);
    // postgres exists, but this login role may not SET ROLE to it (permission denied).
    await refused(signed(accessClaims('p', { 'cognito:groups': ['postgres'] })), /database refuses the role/);
    const log = server.output();
    // Named on one line of all the log, ours, for five requests.
    assert.equal(log.split('\n').filter((line) => line.includes(ghost)).length, 1, log);
    assert.match(log, new RegExp(`the database refuses role "${ghost}" \\(role "${ghost}" does not exist\\); tokens naming it get 403`));
    assert.equal(log.split('the database refuses role "postgres"').length - 1, 1, log);
    // A granted role still works, for the same shape of token.
    const admin = await server.graphql('{ whoami }', signed(accessClaims('adm', { 'cognito:groups': ['app_admin'] })));
    assert.equal((admin.body.data!.whoami as Who).role, 'app_admin', admin.text);
    await stillServes();
  });

  test('a look-alike claim (SUB, Cognito:Groups) never supplies a registered claim’s setting', async () => {
    const token = signed(accessClaims('real-sub', { SUB: 'fake-sub', 'Cognito:Groups': ['app_admin'], Token_Use: 'id' }));
    const res = await server.graphql('{ whoami }', token);
    assert.equal(res.status, 200, res.text);
    const who = res.body.data!.whoami as Who;
    assert.equal(who.sub, 'real-sub');
    // Unset in this transaction ('' once a pooled connection has seen the setting).
    assert.ok(!who.groups, JSON.stringify(who));
    assert.equal(who.role, 'app_user', 'a look-alike of cognito:groups chose the role');
    // The JSON claim set and the per-claim setting agree on sub.
    assert.equal(JSON.parse(who.claims!).sub, 'real-sub');
  });

  test('over WebSockets the close reason is our reason, never an internal message; the server keeps serving', async () => {
    const cases: [string, RegExp][] = [
      [raw(header, 'null'), /malformed/],
      [raw(header, claimsText({ name: 'a\u0000b' })), /cannot store/],
      [raw({ ...header, crit: ['b64'] }, claimsText()), /unsupported critical header/],
      [signed(accessClaims('ws', { 'cognito:groups': [`pgc_ghost_ws_${process.pid}`] })), /database refuses the role/],
    ];
    for (const [token, reason] of cases) {
      const result = await overWebSocket(server.port, token, '{ whoami }', () => server.output());
      assert.ok(!result.data || (result.data as { whoami?: unknown }).whoami == null, JSON.stringify(result));
      assert.match(JSON.stringify(result.errors), reason);
      assert.doesNotMatch(JSON.stringify(result.errors), /Cannot read|TypeError|invalid byte sequence/);
    }
    const ok = await overWebSocket(server.port, signed(accessClaims('ws-ok')), '{ whoami }', () => server.output());
    assert.equal((ok.data as { whoami: Who }).whoami.sub, 'ws-ok');
  });

  test('the refusal log shows untrusted kid and sub escaped, never raw', async () => {
    await refused(raw({ ...header, kid: `k${ESCAPES}` }, claimsText({ sub: `s${ESCAPES}` })), /unknown kid/);
    const log = server.output();
    assert.doesNotMatch(log, RAW_CONTROL);
    assert.match(log, /refused a token \(403, kid k\\u001b\]0;owned\\u0007\\u001b\[2J\\u009b31m, sub s\\u001b/);
  });

  test('verify exits 4, never 1, for every one of these tokens', async () => {
    const tokens = [raw(header, 'null'), raw(header, '[]'), raw(header, '7'), raw(header, claimsText({ name: 'a\u0000b' })), raw({ ...header, crit: ['exp'] }, claimsText())];
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
