/**
 * PostGraphile v5 under `run`, in a v5 project, on Node 22: the same
 * verification, claims and roles as v4, through the preset. The refusal
 * battery is the v4 plugin's own table (test/helpers/battery.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertClaimsInSql, assertDatabaseRoleRefusals, assertNoCrossTalk, assertNoLookAlikes, BatteryPool, NOTES, refusalTests, seedScenarioRows, WHOAMI } from '../helpers/battery';
import { cleanEnv } from '../helpers/cli';
import { LocalPool, Tokens } from '../helpers/cognito';
import { asAdmin, createTestDatabase, TestDatabase, withUser } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { canConnect } from '../helpers/net';
import { RunningServer, startServer } from '../helpers/server';
import { withKid } from '../helpers/tokens';
import { node22, V5_PROJECT, withNode22 } from '../helpers/v5';
import { overWebSocket } from '../helpers/websocket';

const POOL = 'local_v5run1';
const LOGIN = `pgc_v5_login_${process.pid}`;
const PASSWORD = 'v5-login-password';

type Who = Record<string, string | null>;

describe('PostGraphile v5 under run, with a two-key JWKS', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let pool: BatteryPool;
  let server: RunningServer;

  const who = async (token?: string): Promise<Who> => {
    const res = await server.graphql(WHOAMI, token);
    assert.equal(res.status, 200, res.text);
    return res.body.data!.whoami as Who;
  };
  const start = (extra: string[] = []) =>
    startServer({
      node: node22(),
      cwd: V5_PROJECT,
      env: withNode22(cleanEnv()),
      cliArgs: [
        '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--token-use', 'any', '--client-id', 'client1',
        '--allowed-roles', 'app_user,app_admin,app_staff', '--authenticated-role', 'app_user', '--anonymous-role', 'app_anonymous', ...extra,
      ],
      postgraphileArgs: ['-c', withUser(db.url, LOGIN, PASSWORD), '-s', 'public', '--subscriptions'],
    });

  before(async () => {
    db = await createTestDatabase('v5run');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
    pool = new BatteryPool(jwks, POOL);
    await asAdmin(`drop role if exists ${LOGIN}; create role ${LOGIN} login noinherit password '${PASSWORD}'; grant app_anonymous, app_user, app_admin, app_staff to ${LOGIN}`);
    await seedScenarioRows((sql) => db.query(sql));
    server = await start();
  });

  after(async () => {
    await server?.stop();
    await jwks?.close();
    await db?.drop();
    await asAdmin(`drop role if exists ${LOGIN}`).catch(() => {});
  });

  test('the start-up line names the pool, the keys and PostGraphile 5 (project)', async () => {
    await server.said(new RegExp(`user pool ${POOL} \\(issuer http://127\\.0\\.0\\.1:\\d+/${POOL}\\): access and ID tokens, app client check on \\(1 client\\), kids \\[key-a, key-b\\] fetched \\(cache not used\\); PostGraphile 5\\.\\d+\\.\\d+ \\(project\\)`));
    // The keys were fetched once, alongside PostGraphile's start, for the preset to use.
    assert.equal(jwks.requests, 1);
  });

  test('ID tokens (key-a) and access tokens (key-b) both pass, and row-level security sees their sub', async () => {
    const id = await who(pool.idToken('user-1'));
    assert.equal(id.sub, 'user-1');
    assert.equal(id.tokenUse, 'id');
    const access = await who(pool.accessToken('user-2'));
    assert.equal(access.tokenUse, 'access');
    const notes = await server.graphql(NOTES, pool.accessToken('user-2'));
    assert.deepEqual(notes.body.data?.allNotes, { nodes: [{ body: 'two' }] }, notes.text);
  });

  test('every claim reaches PostgreSQL as on v4: JSON under jwt.claims and sanitised names', async () => {
    await assertClaimsInSql(server, pool);
  });

  test('the role: the first allowed group, else the authenticated role; no token: the anonymous role', async () => {
    assert.equal((await who(pool.accessToken('r1', { 'cognito:groups': ['newsletter', 'app_admin', 'app_staff'] }))).role, 'app_admin');
    assert.equal((await who(pool.accessToken('r2'))).role, 'app_user');
    const admin = await server.graphql(NOTES, pool.accessToken('r3', { 'cognito:groups': ['app_admin'] }));
    assert.equal((admin.body.data!.allNotes as { nodes: unknown[] }).nodes.length, 2);
    const anonymous = await server.graphql(NOTES);
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.deepEqual(anonymous.body.data!.allNotes, { nodes: [] });
  });

  refusalTests(test, () => ({ server, pool }));

  test('an Authorization header that is not Bearer <token> is refused, not ignored', async () => {
    const res = await server.graphql(WHOAMI, undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(res.status, 403, res.text);
    assert.match(res.body.errors?.[0]?.message ?? '', /Bearer <token>/);
  });

  test('a look-alike claim never supplies a registered claim’s setting', async () => {
    await assertNoLookAlikes(server, pool, 'app_user');
  });

  test('60 concurrent requests from two users never see each other’s sub', async () => {
    await assertNoCrossTalk(server, pool);
  });

  test('over WebSockets: a valid token reaches PostgreSQL, a refused one gets our reason, 20 connections never mix', async () => {
    const ok = await overWebSocket(server.port, pool.accessToken('ws-user', { 'cognito:groups': ['app_admin'] }), WHOAMI, () => server.output());
    assert.equal(ok.errors, undefined, JSON.stringify(ok));
    assert.equal((ok.data as { whoami: Who }).whoami.sub, 'ws-user');
    assert.equal((ok.data as { whoami: Who }).whoami.role, 'app_admin');
    const refused = await overWebSocket(server.port, withKid(pool.accessToken('x'), 'nope'), WHOAMI, () => server.output());
    assert.match(JSON.stringify(refused.errors), /unknown kid/);
    assert.ok(!refused.data || (refused.data as { whoami?: unknown }).whoami == null);
    const mixed = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const sub = i % 2 ? 'ws-a' : 'ws-b';
        const r = await overWebSocket(server.port, pool.accessToken(sub), WHOAMI, () => server.output());
        return { sub, seen: (r.data as { whoami: Who }).whoami.sub };
      }),
    );
    for (const r of mixed) assert.equal(r.seen, r.sub);
  });

  test('a key added to the JWKS (rotation) is accepted without a restart', async () => {
    jwks.addKey('key-c');
    // The refetch window counts from the start-up fetch: wait it out (10 s), then a new kid fetches once.
    const allowedAt = jwks.lastRequestAt + 10_500;
    await new Promise((r) => setTimeout(r, Math.max(0, allowedAt - Date.now())));
    const token = jwks.sign('key-c', accessClaims('rotated'), { issuer: pool.iss });
    assert.equal((await who(token)).sub, 'rotated');
  });

  test('the log: one line per refusal, no stack trace, no token', () => {
    const out = server.output();
    assert.match(out, /refused a token \(403, kid key-b, sub admin\): invalid signature/);
    assert.match(out, /refused a token \(401, kid key-b, sub x\): token expired/);
    assert.doesNotMatch(out, /^\s+at /m, 'a stack trace in the log');
    assert.ok(!out.includes('eyJ'), 'a JWT segment in the log');
  });
});

describe('PostGraphile v5 under run: the database refuses a role', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let pool: BatteryPool;
  let server: RunningServer;
  before(async () => {
    db = await createTestDatabase('v5role');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
    pool = new BatteryPool(jwks, POOL);
    await asAdmin(`drop role if exists ${LOGIN}_r; create role ${LOGIN}_r login noinherit password '${PASSWORD}'; grant app_anonymous, app_user, app_admin to ${LOGIN}_r`);
    server = await startServer({
      node: node22(),
      cwd: V5_PROJECT,
      env: withNode22(cleanEnv()),
      cliArgs: ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', '*', '--authenticated-role', 'app_user', '--anonymous-role', 'app_anonymous'],
      postgraphileArgs: ['-c', withUser(db.url, `${LOGIN}_r`, PASSWORD), '-s', 'public'],
    });
  });
  after(async () => {
    await server?.stop();
    await jwks?.close();
    await db?.drop();
    await asAdmin(`drop role if exists ${LOGIN}_r`).catch(() => {});
  });

  test('a role that does not exist, or that the login role may not take, is a 403 (reason role), named once in the log', async () => {
    await assertDatabaseRoleRefusals(server, pool);
    assert.doesNotMatch(server.output(), /^\s+at /m, 'a stack trace in the log');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} ends the server and frees its port`, async () => {
      const own = await startServer({
        node: node22(),
        cwd: V5_PROJECT,
        env: withNode22(cleanEnv()),
        cliArgs: ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', '*'],
        postgraphileArgs: ['-c', db.url, '-s', 'public'],
      });
      assert.equal((await own.graphql(WHOAMI, pool.accessToken('s'))).status, 200);
      const ended = await own.stop(signal);
      assert.ok(ended.signal === signal || ended.code === 128 + (signal === 'SIGINT' ? 2 : 15), JSON.stringify(ended));
      assert.equal(await canConnect(own.port), false, 'the port is still taken');
    });
  }
});

describe('PostGraphile v5 under run, with cognito-local tokens', () => {
  let db: TestDatabase;
  let cognito: LocalPool;
  let alice: Tokens;
  let bob: Tokens;
  let server: RunningServer;

  before(async () => {
    db = await createTestDatabase('v5cl');
    cognito = await LocalPool.create('v5-e2e');
    await cognito.group('app_admin');
    alice = await cognito.user('alice-v5@example.com', { groups: ['app_admin'] });
    bob = await cognito.user('bob-v5@example.com');
    await db.query('insert into note (owner_sub, body) values ($1, $2), ($3, $4)', [alice.sub, 'alice 1', bob.sub, 'bob 1']);
    server = await startServer({
      node: node22(),
      cwd: V5_PROJECT,
      env: withNode22(cleanEnv()),
      cliArgs: ['--user-pool-id', cognito.poolId, '--endpoint', cognito.endpoint, '--client-id', cognito.clientId, '--token-use', 'any', '--allowed-roles', 'app_admin', '--authenticated-role', 'app_user', '--anonymous-role', 'app_anonymous'],
      postgraphileArgs: ['-c', db.url, '-s', 'public'],
    });
  });
  after(async () => {
    await server?.stop();
    await db?.drop();
  });

  test("access and ID tokens of Cognito's own shape pass row-level security, the role from the group", async () => {
    for (const token of [bob.accessToken, bob.idToken]) {
      const notes = await server.graphql(NOTES, token);
      assert.deepEqual(notes.body.data?.allNotes, { nodes: [{ body: 'bob 1' }] }, notes.text);
    }
    for (const token of [alice.accessToken, alice.idToken]) {
      const res = await server.graphql(WHOAMI, token);
      const w = res.body.data!.whoami as Who;
      assert.equal(w.sub, alice.sub);
      assert.equal(w.role, 'app_admin');
      assert.equal(w.groups, '["app_admin"]');
    }
    // The ID token's cognito:username reaches PostgreSQL as jwt.claims.cognito_username.
    const id = await server.graphql(WHOAMI, alice.idToken);
    const claimed = JSON.parse(Buffer.from(alice.idToken.split('.')[1]!, 'base64url').toString())['cognito:username'];
    assert.ok(claimed);
    assert.equal((id.body.data!.whoami as Who).username, claimed);
  });
});
