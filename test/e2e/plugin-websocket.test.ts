/**
 * Tokens over WebSockets: PostGraphile reads `authorization` from the
 * connection parameters and runs the same withPostGraphileContext, so the
 * plugin must verify there too, per connection, without mixing users.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { RunningServer, startServer } from '../helpers/server';
import { withKid } from '../helpers/tokens';
import { overWebSocket as overWs } from '../helpers/websocket';

const POOL = 'local_ws1';
let serverOutput = () => '';
const overWebSocket = (port: number, token: string, query: string) => overWs(port, token, query, serverOutput);

describe('the plugin over WebSockets (graphql-ws)', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let server: RunningServer;
  let cwd: string;

  before(async () => {
    db = await createTestDatabase('ws');
    jwks = await JwksFixture.start(['key-a']);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-ws-'));
    server = await startServer({
      cwd,
      cliArgs: ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--authenticated-role', 'app_user', '--allowed-roles', 'app_admin'],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json', '--subscriptions', '--websockets', 'v1', '--websocket-operations', 'all'],
    });
    serverOutput = () => server.output();
    // PostGraphile accepts WebSocket upgrades only once its schema is built; an HTTP request waits for that.
    assert.equal((await server.graphql('{ __typename }')).status, 200);
  });

  after(async () => {
    await server?.stop();
    await jwks?.close();
    await db?.drop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const token = (sub: string, extra: Record<string, unknown> = {}) => jwks.sign('key-a', accessClaims(sub, extra), { issuer: jwks.issuer(POOL) });

  test('a valid token in the connection parameters: claims and role reach PostgreSQL', async () => {
    const result = await overWebSocket(server.port, token('ws-user', { 'cognito:groups': ['app_admin'] }), '{ whoami }');
    assert.equal(result.errors, undefined, JSON.stringify(result));
    const who = (result.data as { whoami: Record<string, string> }).whoami;
    assert.equal(who.sub, 'ws-user');
    assert.equal(who.role, 'app_admin');
    assert.equal(who.groups, '["app_admin"]');
  });

  test('refused tokens get no data over WebSockets either, and the server keeps serving', async () => {
    const unknownKid = await overWebSocket(server.port, withKid(token('x'), 'nope'), '{ whoami }');
    assert.ok(!unknownKid.data || (unknownKid.data as { whoami?: unknown }).whoami == null, JSON.stringify(unknownKid));
    assert.match(JSON.stringify(unknownKid.errors), /unknown kid/);
    const disallowed = await overWebSocket(server.port, token('x', { 'cognito:groups': ['postgres'] }), '{ whoami }');
    assert.match(JSON.stringify(disallowed.errors), /no allowed role/);
    const ok = await overWebSocket(server.port, token('after'), '{ whoami }');
    assert.equal((ok.data as { whoami: Record<string, string> }).whoami.sub, 'after');
  });

  test('20 connections of two users at once never see each other\'s sub', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const sub = i % 2 ? 'ws-a' : 'ws-b';
        const r = await overWebSocket(server.port, token(sub), '{ whoami }');
        return { sub, seen: (r.data as { whoami: Record<string, string> }).whoami.sub };
      }),
    );
    for (const r of results) assert.equal(r.seen, r.sub);
  });
});
