/**
 * The verification plugin under `run`, against our own two-key JWKS server:
 * every refusal, key choice by kid, rotation, the refetch penalty box, claims
 * and roles in PostgreSQL, and isolation between concurrent users.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TIMING } from '../../src/timing';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, idClaims, JwksFixture } from '../helpers/jwks-server';
import { until } from '../helpers/process';
import { RunningServer, startServer } from '../helpers/server';
import { withKid } from '../helpers/tokens';
import { assertClaimsInSql, assertNoCrossTalk, BatteryPool, NOTES, refusalTests, seedScenarioRows, WHOAMI } from '../helpers/battery';

const POOL = 'local_plugin1';

type Who = Record<string, string | null>;

describe('the plugin under run, with a two-key JWKS', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let server: RunningServer;
  let startedAt: number;
  let cwd: string;

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** The plugin refetches at most once per window (the tests' short one); wait until a refetch is allowed again. */
  const waitOutPenaltyBox = () => sleep(Math.max(0, Math.max(startedAt, jwks.lastRequestAt) + TIMING.refetchWindowMs + 100 - Date.now()));
  let pool: BatteryPool;
  const iss = () => jwks.issuer(POOL);
  const idToken = (sub: string, extra: Record<string, unknown> = {}) => jwks.sign('key-a', idClaims(sub, extra), { issuer: iss() });
  const accessToken = (sub: string, extra: Record<string, unknown> = {}) => jwks.sign('key-b', accessClaims(sub, extra), { issuer: iss() });
  const who = async (token: string): Promise<Who> => {
    const res = await server.graphql(WHOAMI, token);
    assert.equal(res.status, 200, res.text);
    return res.body.data!.whoami as Who;
  };

  before(async () => {
    db = await createTestDatabase('plugin');
    // One key signs ID tokens, the other access tokens, as reported for real pools.
    jwks = await JwksFixture.start(['key-a', 'key-b']);
    pool = new BatteryPool(jwks, POOL);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-plugin-'));
    await seedScenarioRows((sql) => db.query(sql));
    server = await startServer({
      cwd,
      cliArgs: [
        '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--token-use', 'any', '--client-id', 'client1',
        '--allowed-roles', 'app_user,app_admin,app_staff', '--authenticated-role', 'app_user',
      ],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json'],
    });
    startedAt = Date.now();
    // The keys load alongside PostGraphile's start; the first token waits for them, and one fetch serves all.
    assert.equal((await who(accessToken('first'))).sub, 'first');
    assert.equal(jwks.requests, 1);
  });

  after(async () => {
    await server?.stop();
    await jwks?.close();
    await db?.drop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('ID tokens (key-a) and access tokens (key-b) are both accepted by one server, no --kid', async () => {
    const id = await who(idToken('user-1'));
    assert.equal(id.sub, 'user-1');
    assert.equal(id.tokenUse, 'id');
    const access = await who(accessToken('user-2'));
    assert.equal(access.sub, 'user-2');
    assert.equal(access.tokenUse, 'access');
  });

  test('every claim reaches PostgreSQL: as JSON under jwt.claims and under sanitised names', async () => {
    await assertClaimsInSql(server, pool);
  });

  test('the role comes from the first allowed group; no usable group gives the authenticated role', async () => {
    assert.equal((await who(accessToken('r1', { 'cognito:groups': ['app_staff'] }))).role, 'app_staff');
    assert.equal((await who(accessToken('r2', { 'cognito:groups': ['newsletter', 'app_admin', 'app_staff'] }))).role, 'app_admin');
    assert.equal((await who(accessToken('r3'))).role, 'app_user');
    assert.equal((await who(accessToken('r4', { 'cognito:groups': [] }))).role, 'app_user');
    // The role decides what row-level security shows: app_admin sees every note.
    const admin = await server.graphql(NOTES, accessToken('r5', { 'cognito:groups': ['app_admin'] }));
    assert.equal((admin.body.data!.allNotes as { nodes: unknown[] }).nodes.length, 2);
  });

  // The refusal battery, shared with the v5 preset's tests.
  refusalTests(test, () => ({ server, pool }));

  test('a 20 kB token is refused and the server keeps serving', async () => {
    const big = accessToken('x', { padding: 'p'.repeat(20 * 1024) });
    const res = await server.graphql(WHOAMI, big);
    // Node refuses headers this large (431) before PostGraphile sees them; either way, no data.
    assert.ok(res.status === 431 || res.status === 403, `status ${res.status}`);
    assert.ok(!res.body.data?.whoami);
    assert.equal((await who(accessToken('after-big'))).sub, 'after-big');
  });

  test("60 concurrent requests from two users never see each other's sub", async () => {
    await assertNoCrossTalk(server, pool);
  });

  test('100 tokens with unknown kids cause one JWKS fetch per refetch window at most', async () => {
    // Outside the penalty box, so a refetch is allowed and the test sees the real count.
    await waitOutPenaltyBox();
    const before = jwks.requests;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => server.graphql(WHOAMI, withKid(accessToken('x'), `random-${i}-${Math.random()}`))),
    );
    const windows = Math.ceil((Date.now() - started) / TIMING.refetchWindowMs);
    assert.ok(answers.every((a) => a.status === 403));
    const fetches = jwks.requests - before;
    assert.ok(fetches >= 1 && fetches <= 1 + windows, `fetched ${fetches} times in ${windows} window(s)`);
  });

  test('a key added to the JWKS (rotation) is accepted without a restart', async () => {
    jwks.addKey('key-c');
    const token = jwks.sign('key-c', accessClaims('rotated'), { issuer: iss() });
    // Refused while the refetch window of the last fetch lasts, then fetched and accepted.
    await until(async () => (await server.graphql(WHOAMI, token)).status === 200, 'key-c to be accepted', 30_000);
    assert.equal((await who(token)).sub, 'rotated');
  });

  test('while the JWKS endpoint is down, known keys keep working', async () => {
    await waitOutPenaltyBox();
    jwks.mode = 'hang';
    try {
      const before = jwks.requests;
      const order: string[] = [];
      // An unknown kid starts a refetch, which hangs until its own time limit.
      const unknown = server.graphql(WHOAMI, withKid(accessToken('x'), 'during-outage')).then((res) => {
        order.push('unknown kid answered');
        return res;
      });
      for (let waited = 0; jwks.requests === before; waited += 20) {
        assert.ok(waited < 10_000, 'the unknown kid started no refetch');
        await sleep(20);
      }
      // Meanwhile tokens signed by known keys are served from memory, not held up by the refetch.
      assert.equal((await who(idToken('still-works'))).sub, 'still-works');
      assert.equal((await who(jwks.sign('key-c', accessClaims('still-c'), { issuer: iss() }))).sub, 'still-c');
      order.push('known keys answered');
      assert.equal((await unknown).status, 403);
      assert.deepEqual(order, ['known keys answered', 'unknown kid answered']);
      // The failed refetch kept the keys: they still verify afterwards.
      assert.equal((await who(accessToken('after-outage'))).sub, 'after-outage');
      assert.match(server.output(), /JWKS refetch failed, keeping the keys already known/);
    } finally {
      jwks.mode = 'ok';
    }
  });

  test('the server log names refusal reasons but never token content', () => {
    const out = server.output();
    // With the kid and sub, which say whose token it was without showing it.
    assert.match(out, /refused a token \(403, kid [\w-]+, sub [\w-]+\): invalid signature/);
    assert.match(out, /refused a token \(401, kid [\w-]+, sub [\w-]+\): token expired/);
    assert.ok(!out.includes('eyJ'), 'a JWT segment in the log');
  });
});
