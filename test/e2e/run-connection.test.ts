/**
 * Where `run` gets its database from an rc file: init's `.postgraphilerc.js`
 * reads DATABASE_URL, and with it unset PostGraphile would quietly connect to
 * the PostgreSQL defaults (and pm2 restart it in a loop). A file with no
 * connection at all keeps working with the PG* variables.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, assertOk } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { RunningServer, startServer } from '../helpers/server';
import { tempDirs } from '../helpers/temp';

const POOL = 'local_conn1';

describe('run and the connection in the rc file', () => {
  let jwks: JwksFixture;
  let db: TestDatabase;
  const temp = tempDirs('pgc-conn-');
  const cognito = (endpoint: string) => ['--user-pool-id', POOL, '--endpoint', endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user', '--authenticated-role', 'app_user'];

  /** A folder with the rc file init writes when not given -c (its connection reads DATABASE_URL). */
  async function initProject(): Promise<string> {
    const dir = temp.make();
    assertOk(await runCli(['init', ...cognito(jwks.endpoint), '--', '--default-role', 'app_anonymous', '--dynamic-json'], { cwd: dir, env: cleanEnv() }));
    assert.match(fs.readFileSync(path.join(dir, '.postgraphilerc.js'), 'utf8'), /connection: process\.env\.DATABASE_URL/);
    return dir;
  }

  before(async () => {
    jwks = await JwksFixture.start(['key-a']);
    db = await createTestDatabase('conn');
  });
  after(async () => {
    await jwks?.close();
    await db?.drop();
    temp.removeAll();
  });

  /** Asserts the server answers a token of `sub` as that sub, then stops it. */
  async function servesThenStop(server: RunningServer, sub: string): Promise<void> {
    try {
      const res = await server.graphql('{ whoami }', jwks.sign('key-a', accessClaims(sub), { issuer: jwks.issuer(POOL) }));
      assert.equal(res.status, 200, res.text);
      assert.equal((res.body.data!.whoami as { sub: string }).sub, sub);
    } finally {
      await server.stop();
    }
  }

  test("init's file with DATABASE_URL unset: exit 2 naming it, before PostGraphile starts or the JWKS is fetched", async () => {
    const dir = await initProject();
    const before = jwks.requests;
    const r = await runCli(['run'], { cwd: dir, env: cleanEnv() });
    assertCleanError(
      r,
      2,
      /error: DATABASE_URL is unset: options\.connection in \.postgraphilerc\.js reads it \(connection: process\.env\.DATABASE_URL\), and PostGraphile would connect to the PostgreSQL defaults instead/,
      /hint: export DATABASE_URL=postgres:\/\/… before starting \(under pm2: in the app's env/,
    );
    assert.doesNotMatch(r.stderr, /PostGraphile v4|listening/);
    assert.equal(jwks.requests, before, 'the JWKS was fetched');
    // An empty variable is no connection either.
    assertCleanError(await runCli(['run'], { cwd: dir, env: cleanEnv({ DATABASE_URL: '' }) }), 2, /DATABASE_URL is unset/);
  });

  test("init's file serves once DATABASE_URL is set, or with -c after --", async () => {
    const dir = await initProject();
    for (const [env, extra] of [[{ DATABASE_URL: db.url }, []], [{}, ['-c', db.url]]] as const) {
      await servesThenStop(await startServer({ cwd: dir, cliArgs: [], postgraphileArgs: [...extra], env: cleanEnv(env) }), 'with-url');
    }
  });

  test('a file with no connection key at all still uses the PG* variables', async () => {
    const dir = temp.make();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), "module.exports = { options: { defaultRole: 'app_anonymous', dynamicJson: true } };\n");
    const url = new URL(db.url);
    const pgEnv = { PGHOST: url.hostname, PGPORT: url.port, PGUSER: decodeURIComponent(url.username), PGPASSWORD: decodeURIComponent(url.password), PGDATABASE: url.pathname.slice(1) };
    await servesThenStop(await startServer({ cwd: dir, cliArgs: cognito(jwks.endpoint), env: cleanEnv(pgEnv) }), 'from-pg-vars');
  });
});
