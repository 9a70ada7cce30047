/**
 * `run` end to end: real cognito-local tokens, real PostGraphile, real
 * PostgreSQL with row-level security on current_setting('jwt.claims.sub').
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { LocalPool, Tokens } from '../helpers/cognito';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { canConnect, freePort } from '../helpers/net';
import { RunningServer, startServer } from '../helpers/server';
import { ARGS_FAILED_LINE } from '../helpers/args-failure';

const NOTES = '{ allNotes(orderBy: ID_ASC) { nodes { body ownerSub } } }';

describe('run with cognito-local', () => {
  let db: TestDatabase;
  let pool: LocalPool;
  let alice: Tokens;
  let bob: Tokens;
  let server: RunningServer;
  let outside: string;

  // Any group is a role here ('*'), as it was before the allow-list became a required choice; other files test the list.
  const cliArgs = () => ['--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--client-id', pool.clientId, '--allowed-roles', '*', '--authenticated-role', 'app_user'];
  const pgArgs = () => ['-c', db.url, '--default-role', 'app_anonymous'];

  before(async () => {
    db = await createTestDatabase('run');
    pool = await LocalPool.create('run-e2e');
    alice = await pool.user('alice@example.com');
    bob = await pool.user('bob@example.com');
    await db.query('insert into note (owner_sub, body) values ($1, $2), ($1, $3), ($4, $5)', [alice.sub, 'alice 1', 'alice 2', bob.sub, 'bob 1']);
    // Outside any project, so the bundled PostGraphile is the one found.
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-run-'));
    server = await startServer({ cliArgs: cliArgs(), postgraphileArgs: pgArgs(), cwd: outside });
  });

  after(async () => {
    await server?.stop();
    await db?.drop();
    if (outside) fs.rmSync(outside, { recursive: true, force: true });
  });

  test("an access token of a user in no group reads only that user's rows", async () => {
    const res = await server.graphql(NOTES, alice.accessToken);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      (res.body.data!.allNotes as { nodes: unknown[] }).nodes,
      [
        { body: 'alice 1', ownerSub: alice.sub },
        { body: 'alice 2', ownerSub: alice.sub },
      ],
    );
    const bobs = await server.graphql(NOTES, bob.accessToken);
    assert.deepEqual((bobs.body.data!.allNotes as { nodes: unknown[] }).nodes, [{ body: 'bob 1', ownerSub: bob.sub }]);
  });

  test('an anonymous request reads no rows', async () => {
    const res = await server.graphql(NOTES);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((res.body.data!.allNotes as { nodes: unknown[] }).nodes, []);
  });

  test('a token with a broken signature is refused with 403 and no data', async () => {
    const [header, payload, signature] = alice.accessToken.split('.');
    const flipped = signature!.slice(0, -4) + (signature!.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const res = await server.graphql(NOTES, `${header}.${payload}.${flipped}`);
    assert.equal(res.status, 403, res.text);
    assert.ok(!res.body.data, 'no data for a refused token');
    assert.match(res.body.errors![0]!.message, /invalid signature/);
    // And the server keeps serving.
    assert.equal((await server.graphql(NOTES, alice.accessToken)).status, 200);
  });

  test('plugin flags you add after -- win over run\'s own, as PostGraphile arguments do', async () => {
    const own = await startServer({ cliArgs: cliArgs(), postgraphileArgs: [...pgArgs(), '--cognito-token-use', 'id'], cwd: outside });
    try {
      assert.equal((await own.graphql(NOTES, alice.idToken)).status, 200);
      const access = await own.graphql(NOTES, alice.accessToken);
      assert.equal(access.status, 403);
      assert.match(access.body.errors![0]!.message, /only id tokens/);
    } finally {
      await own.stop();
    }
  });

  test('a group named none is refused: SET ROLE NONE would run as the connecting user, past row-level security', async () => {
    await pool.group('none');
    const eve = await pool.user('eve@example.com', { groups: ['none'] });
    const res = await server.graphql(NOTES, eve.accessToken);
    assert.equal(res.status, 403, res.text);
    assert.match(res.body.errors![0]!.message, /"none", which PostgreSQL takes as no role/);
    assert.ok(!res.body.data, 'no rows for a refused token');
  });

  test('an ID token is refused under the default --token-use access', async () => {
    const res = await server.graphql(NOTES, alice.idToken);
    assert.equal(res.status, 403, res.text);
    assert.match(res.body.errors![0]!.message, /token_use is id, but only access tokens are accepted/);
  });

  test('the startup line names the pool, keys and PostGraphile, and no token or PEM appears in the log', async () => {
    const out = await server.said(/; PostGraphile/);
    assert.match(out, new RegExp(`user pool ${pool.poolId} \\(issuer ${pool.endpoint}/${pool.poolId}\\): access tokens, app client check on \\(1 client\\), kids \\[CognitoLocal\\] fetched \\(cache not used\\)`));
    assert.match(out, /PostGraphile 4\.\d+\.\d+ \(bundled\)/);
    assert.ok(!out.includes(alice.accessToken.split('.')[2]!), 'token signature in log');
    assert.ok(!out.includes('BEGIN PUBLIC KEY'), 'PEM in log');
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(`${signal} ends the server and frees its port`, async () => {
      const own = await startServer({ cliArgs: cliArgs(), postgraphileArgs: pgArgs() });
      assert.equal((await own.graphql(NOTES, alice.accessToken)).status, 200);
      const { code, signal: endedBy } = await own.stop(signal);
      // PostGraphile exits 1 on SIGINT by its own handler; the other signals end the process.
      if (signal === 'SIGINT') assert.equal(code, 1);
      else assert.equal(endedBy, signal);
      assert.equal(await canConnect(own.port), false, 'port still open');
    });
  }

  test('PostGraphile failing to start (unreachable database) makes run exit non-zero', async () => {
    const deadPort = await freePort();
    const result = await runCli([...cliArgs(), '--', '-c', `postgres://postgres@127.0.0.1:${deadPort}/nowhere`, '--port', String(await freePort())], {
      timeoutMs: 60_000,
    });
    assert.notEqual(result.code, 0, result.stderr);
    assert.equal(result.code, 34, 'PostGraphile exits 34 when the initial schema build fails');
  });

  test('your own server plugins load next to ours; a relative path is relative to your folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-own-plugin-'));
    fs.writeFileSync(path.join(dir, 'my-plugin.js'), `module.exports = { 'cli:greeting': (lines) => [...lines, 'my-plugin loaded'] };`);
    const own = await startServer({ cliArgs: cliArgs(), postgraphileArgs: ['--plugins', './my-plugin.js', ...pgArgs()], cwd: dir });
    try {
      await new Promise((r) => setTimeout(r, 200));
      assert.match(own.output(), /my-plugin loaded/);
      // Ours is still there: tokens are verified.
      assert.equal((await own.graphql(NOTES, alice.accessToken)).status, 200);
      assert.equal((await own.graphql(NOTES, 'junk')).status, 403);
    } finally {
      await own.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a server plugin PostGraphile cannot find is a usage error naming it (exit 2)', async () => {
    const result = await runCli([...cliArgs(), '--', '--plugins', 'no-such-plugin-pgc', ...pgArgs()], { cwd: outside });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /postgraphile-cognito: error: .*cannot find the server plugin "no-such-plugin-pgc"/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });

  test('a PostGraphile major we do not drive (v6) in the project is refused with exit 2, by run and args', async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-v6-'));
    fs.mkdirSync(path.join(project, 'node_modules', 'postgraphile'), { recursive: true });
    fs.writeFileSync(path.join(project, 'node_modules', 'postgraphile', 'package.json'), JSON.stringify({ name: 'postgraphile', version: '6.0.0' }));
    const result = await runCli([...cliArgs(), '--', ...pgArgs()], { cwd: project });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /PostGraphile 6\.0\.0 .*which postgraphile-cognito does not drive/);
    assert.match(result.stderr, /postgraphile@\^5 or postgraphile@\^4\.14\.1/);
    // args too: its list is meant for `npx postgraphile`, which would find that v6.
    const printed = await runCli(['args', ...cliArgs(), '--', ...pgArgs()], { cwd: project });
    assert.equal(printed.code, 2, printed.stderr);
    assert.equal(printed.stdout, ARGS_FAILED_LINE);
    assert.match(printed.stderr, /PostGraphile 6\.0\.0/);
    fs.rmSync(project, { recursive: true, force: true });
  });

  test('--anonymous-role is PostGraphile v4\'s --default-role, unless one is given', async () => {
    const own = await startServer({ cliArgs: [...cliArgs(), '--anonymous-role', 'app_anonymous'], postgraphileArgs: ['-c', db.url, '--dynamic-json'], cwd: outside });
    try {
      const res = await own.graphql('{ whoami }');
      assert.equal((res.body.data!.whoami as { role: string }).role, 'app_anonymous', res.text);
    } finally {
      await own.stop();
    }
    const given = await startServer({ cliArgs: [...cliArgs(), '--anonymous-role', 'app_anonymous'], postgraphileArgs: ['-c', db.url, '--dynamic-json', '--default-role', 'app_user'], cwd: outside });
    try {
      const res = await given.graphql('{ whoami }');
      assert.equal((res.body.data!.whoami as { role: string }).role, 'app_user', res.text);
    } finally {
      await given.stop();
    }
  });

  test("the project's own PostGraphile v4 is used when present", async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-v4-'));
    fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', 'postgraphile'), path.join(project, 'node_modules', 'postgraphile'));
    const own = await startServer({ cliArgs: cliArgs(), postgraphileArgs: pgArgs(), cwd: project, env: cleanEnv() });
    try {
      await own.said(/PostGraphile 4\.\d+\.\d+ \(project\)/);
      assert.equal((await own.graphql(NOTES, alice.accessToken)).status, 200);
    } finally {
      await own.stop();
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
