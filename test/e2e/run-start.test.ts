/**
 * `run` starts PostGraphile at once and loads the keys alongside (issue 15):
 * a request without a token is served while the JWKS is still on its way, a
 * token waits for the keys, and a start that ends with no keys and no copy
 * still exits 3 with run's message, taking PostGraphile with it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, literal } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { canConnect } from '../helpers/net';
import { until } from '../helpers/process';
import { GraphQLResponse, RunningServer, startServer } from '../helpers/server';
import { WHOAMI } from '../helpers/battery';

const POOL = 'local_start1';

describe('run starts PostGraphile while the keys load', () => {
  let db: TestDatabase;
  let cwd: string;
  const fixtures: JwksFixture[] = [];
  const servers: RunningServer[] = [];

  const cliArgs = (jwks: JwksFixture, cacheDir: string) => [
    '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1',
    '--allowed-roles', 'app_user', '--authenticated-role', 'app_user', '--cache-dir', cacheDir,
  ];
  const freshCacheDir = () => fs.mkdtempSync(path.join(cwd, 'cache-'));
  // Users' timing (5 s a fetch, 15 s in all), not the tests' shortened one: the JWKS is held while
  // PostGraphile starts, which on a loaded machine can outlast the tests' 4 s start-up deadline.
  const usersTiming = () => {
    const env = cleanEnv();
    delete env.NODE_OPTIONS;
    return env;
  };
  async function fixture(mode: JwksFixture['mode']): Promise<JwksFixture> {
    const jwks = await JwksFixture.start(['key-a']);
    jwks.mode = mode;
    fixtures.push(jwks);
    return jwks;
  }

  before(async () => {
    db = await createTestDatabase('start');
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-start-'));
  });

  after(async () => {
    for (const server of servers) await server.stop();
    for (const jwks of fixtures) await jwks.close();
    await db?.drop();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('a request without a token is served before the keys arrive; a token waits for them, then is served', async () => {
    const jwks = await fixture('hold');
    const server = await startServer({
      cwd,
      env: usersTiming(),
      cliArgs: cliArgs(jwks, freshCacheDir()),
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json'],
    });
    servers.push(server);
    // PostGraphile listens while the JWKS request is still unanswered.
    await until(() => jwks.holding > 0, 'the JWKS request', 30_000);
    const order: string[] = [];
    const withToken = server
      .graphql(WHOAMI, jwks.sign('key-a', accessClaims('early-bird'), { issuer: jwks.issuer(POOL) }))
      .then((res) => (order.push('token'), res));
    const anonymous = await server.graphql(WHOAMI);
    order.push('anonymous');
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.equal((anonymous.body.data!.whoami as Record<string, unknown>).role, 'app_anonymous');
    assert.ok(jwks.holding > 0, 'the keys arrived before the anonymous answer; the test proves nothing then');
    assert.deepEqual(order, ['anonymous'], 'the token was answered before its keys arrived');

    jwks.release();
    const answered: GraphQLResponse = await withToken;
    assert.equal(answered.status, 200, answered.text);
    assert.equal((answered.body.data!.whoami as Record<string, unknown>).sub, 'early-bird');
    assert.deepEqual(order, ['anonymous', 'token']);
    // The start-up line comes once the keys are in, naming the kids and PostGraphile.
    await server.said(/kids \[key-a\] fetched.*; PostGraphile/);
  });

  test('no keys and no copy: exit 3 with the message run always gave, and PostGraphile stops with it', async () => {
    const jwks = await fixture('hold');
    const cacheDir = freshCacheDir();
    const server = await startServer({
      cwd,
      env: usersTiming(),
      cliArgs: cliArgs(jwks, cacheDir),
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous'],
    });
    servers.push(server);
    await until(() => jwks.holding > 0, 'the JWKS request', 30_000);
    const waiting = server.graphql(WHOAMI, jwks.sign('key-a', accessClaims('too-early'), { issuer: jwks.issuer(POOL) })).then(
      (res) => ({ status: res.status, data: res.body?.data ?? null }),
      () => null,
    );
    // The pool turns out not to exist: the held request and any retry get 404.
    jwks.release('not-found');
    const { code } = await server.exited;
    assert.equal(code, 3, server.output());
    // What a sequential start says for the same fault: keys, pem and args load the keys first.
    const keys = await runCli(['keys', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--cache-dir', cacheDir], { env: cleanEnv(), cwd });
    assertCleanError(keys, 3, literal(`${jwks.endpoint}/${POOL}/.well-known/jwks.json`), /HTTP 404/);
    const said = keys.stderr.split('\n').filter((line) => /error:|hint:/.test(line));
    for (const line of said) assert.ok(server.output().includes(line), `run did not say ${JSON.stringify(line)}:\n${server.output()}`);
    // The waiting token got no data, and nothing listens any more.
    // Whether its connection closed first or a 503 went out first depends on the order of callbacks.
    const answer = await waiting;
    if (answer) assert.deepEqual(answer, { status: 503, data: null });
    assert.equal(await canConnect(server.port), false);
    assert.doesNotMatch(server.output(), /kids \[/);
  });

  /**
   * A TCP stand-in for PostgreSQL that holds each connection until `open()`,
   * then passes it on to the test database: PostGraphile's pool connects, and
   * nothing answers until the test says so.
   */
  async function heldDatabase(): Promise<{ url: string; connected: Promise<void>; open(): void; close(): Promise<void> }> {
    const target = new URL(db.url);
    let opened = false;
    const waiting: (() => void)[] = [];
    const sockets = new Set<net.Socket>();
    let connected!: () => void;
    const first = new Promise<void>((resolve) => (connected = resolve));
    const server = net.createServer((client) => {
      sockets.add(client);
      client.on('error', () => {});
      client.pause();
      const pass = () => {
        const upstream = net.connect(Number(target.port), target.hostname, () => {
          client.pipe(upstream).pipe(client);
          client.resume();
        });
        sockets.add(upstream);
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
      };
      if (opened) pass();
      else waiting.push(pass);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(db.url);
    url.port = String((server.address() as net.AddressInfo).port);
    return {
      url: url.toString(),
      connected: first,
      open() {
        opened = true;
        for (const pass of waiting.splice(0)) pass();
      },
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  /** run against a held database, once PostGraphile's pool has connected to it. */
  async function startOnHeldDatabase() {
    const jwks = await fixture('ok');
    const database = await heldDatabase();
    try {
      const server = await startServer({
        cwd,
        cliArgs: cliArgs(jwks, freshCacheDir()),
        postgraphileArgs: ['-c', database.url, '--default-role', 'app_anonymous', '--dynamic-json'],
      });
      servers.push(server);
      await Promise.race([
        database.connected,
        server.exited.then(() => Promise.reject(new Error(`run exited before PostGraphile connected:\n${server.output()}`))),
      ]);
      return { jwks, database, server };
    } catch (error) {
      // An open listener would hold the file to its time limit.
      await database.close();
      throw error;
    }
  }

  test("on v4 the keys' load begins once PostGraphile's pool is connected for its introspection, not before", async () => {
    const { jwks, database, server } = await startOnHeldDatabase();
    try {
      // PostGraphile has begun its start-up and connected; PostgreSQL has not answered yet.
      assert.equal(jwks.requests, 0, `the keys were fetched before PostGraphile's pool connected:\n${server.output()}`);
      database.open();
      await server.said(/kids \[key-a\] fetched.*; PostGraphile/);
      const answered = await server.graphql(WHOAMI, jwks.sign('key-a', accessClaims('after-introspection'), { issuer: jwks.issuer(POOL) }));
      assert.equal(answered.status, 200, answered.text);
      assert.equal((answered.body.data!.whoami as Record<string, unknown>).sub, 'after-introspection');
    } finally {
      await database.close();
    }
  });

  test('a database that never answers does not hold the keys back: they load all the same', async () => {
    const { jwks, database, server } = await startOnHeldDatabase();
    try {
      // The database never answers; the keys come in all the same (TIMING.startupLoadLatestMs).
      await server.said(/kids \[key-a\] fetched.*; PostGraphile/);
      assert.equal(jwks.requests, 1);
    } finally {
      await database.close();
    }
  });
});
