/**
 * `run` on PostGraphile v4 when the server cannot start: a busy port, or a
 * database it cannot reach. Each is one error line and a hint, with a
 * documented exit code (2 for the port, PostGraphile's 34 for the
 * database), never PostGraphile's stack trace, and the process ends.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CliResult, cleanEnv, runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { JwksFixture } from '../helpers/jwks-server';
import { canConnect, freePort } from '../helpers/net';
import { startServer } from '../helpers/server';

const POOL = 'local_starterr1';
const PASSWORD = 'never-shown-pw';

/**
 * Exit `code`; our only error line (run's start-up lines may come first, as
 * the keys load alongside), then its hint; no stack trace; no password.
 */
function assertOneError(r: CliResult, code: number, message: RegExp, hint: RegExp): void {
  assert.equal(r.code, code, show(r));
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at\s/m, `stack trace\n${show(r)}`);
  assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), `the password was printed\n${show(r)}`);
  const lines = r.stderr.trimEnd().split('\n');
  const errors = lines.flatMap((line, i) => (/error:/.test(line) ? [i] : []));
  assert.equal(errors.length, 1, `expected one error line\n${show(r)}`);
  const at = errors[0]!;
  assert.match(lines[at]!, /^postgraphile-cognito: error: /, show(r));
  assert.match(lines[at]!, message, show(r));
  assert.match(lines[at + 1] ?? '', /^ {2}hint: /, show(r));
  assert.match(lines[at + 1]!, hint, show(r));
  assert.equal(lines.length, at + 2, `nothing may follow the hint\n${show(r)}`);
  for (const line of lines) assert.match(line, /^(postgraphile-cognito: | {2}hint: )/, `a line not ours\n${show(r)}`);
}

describe('run on v4: a busy port or an unreachable database', () => {
  let jwks: JwksFixture;
  let db: TestDatabase;
  const cognito = () => ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user', '--authenticated-role', 'app_user'];
  const run = (pgArgs: string[]) => runCli(['run', ...cognito(), '--', ...pgArgs], { env: cleanEnv() });

  before(async () => {
    jwks = await JwksFixture.start(['key-a']);
    db = await createTestDatabase('starterr');
  });
  after(async () => {
    await jwks?.close();
    await db?.drop();
  });

  test('a port in use: exit 2, the port and host named, a hint with -- --port', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const r = await run(['-c', db.url, '--default-role', 'app_anonymous', '--port', String(port), '--host', '127.0.0.1']);
      assertOneError(r, 2, new RegExp(`error: port ${port} on 127\\.0\\.0\\.1 is already in use$`), new RegExp(`pass --port with a free port after --, e\\.g\\. -- --port \\d+$`));
      assert.equal(r.stdout, '', show(r));
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  test('another listen error (an address not on this machine): exit 1, said in one line, not silence', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const r = await run(['-c', db.url, '--default-role', 'app_anonymous', '--port', String(await freePort()), '--host', '192.0.2.1']);
    assertOneError(r, 1, /error: unexpected error from PostGraphile's server: listen EADDRNOTAVAIL/, /report it/);
  });

  test('the database refuses connections: exit 34, the cause without the connection string, a hint', async () => {
    const closed = await freePort();
    const r = await run(['-c', `postgres://someone:${PASSWORD}@127.0.0.1:${closed}/app`, '--port', String(await freePort()), '--host', '127.0.0.1']);
    assertOneError(
      r,
      34,
      new RegExp(`error: PostGraphile could not build its schema: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}$`),
      /check -c \(or DATABASE_URL\), and that PostgreSQL runs.*--retry-on-init-fail/,
    );
    assert.doesNotMatch(r.stderr, /serious error/, show(r));
  });

  test('with --retry-on-init-fail PostGraphile keeps retrying, as it documents, and our message stays out', async () => {
    const closed = await freePort();
    const server = await startServer({ cliArgs: cognito(), env: cleanEnv(), postgraphileArgs: ['-c', `postgres://someone:${PASSWORD}@127.0.0.1:${closed}/app`, '--retry-on-init-fail'] });
    try {
      await server.said(/We'll try again in \d+ms/);
      assert.doesNotMatch(server.output(), /postgraphile-cognito: error:/);
      assert.equal(await canConnect(server.port), true, 'the server stopped while retrying');
    } finally {
      await server.stop();
    }
  });
});
