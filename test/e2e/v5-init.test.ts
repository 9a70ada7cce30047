/**
 * `init` in a PostGraphile v5 project, as a v5 user goes: init writes
 * graphile.config.mjs and the pm2 ecosystem file; `run`, under Node 22 with
 * DATABASE_URL set and no other arguments, serves from the file (its port,
 * host, schema and makeCognitoPreset settings); pm2, under Node 22, starts
 * the ecosystem file as written and stops it on SIGINT.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KILL_TIMEOUT_MS, PM2_APP_NAME } from '../../src/init';
import { BatteryPool, WHOAMI } from '../helpers/battery';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { assertCleanError, assertOk } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { JwksFixture } from '../helpers/jwks-server';
import { canConnect, freePort, postGraphql, waitForPort } from '../helpers/net';
import { Pm2 } from '../helpers/pm2';
import { alive, until } from '../helpers/process';
import { RunningServer, startServer } from '../helpers/server';
import { node22, v5ProjectFolder, withNode22 } from '../helpers/v5';

const POOL = 'local_v5init1';

type Who = Record<string, string | null>;

describe('init in a PostGraphile v5 project', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let pool: BatteryPool;
  let dir: string;
  let port: number;
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const daemons: Pm2[] = [];

  /**
   * A folder inside the v5 project (its PostGraphile is found from there)
   * with this package installed as npm links it: node_modules/postgraphile-cognito
   * for the config's import, node_modules/.bin/postgraphile-cognito for pm2.
   */
  function project(): string {
    const made = v5ProjectFolder('init-');
    dirs.push(made);
    fs.mkdirSync(path.join(made, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(made, 'node_modules', 'postgraphile-cognito'));
    fs.symlinkSync(path.join('..', 'postgraphile-cognito', 'bin', 'postgraphile-cognito.js'), path.join(made, 'node_modules', '.bin', 'postgraphile-cognito'));
    return made;
  }
  const cognitoFlags = () => ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_admin', '--authenticated-role', 'app_user', '--anonymous-role', 'app_anonymous'];
  // Nothing but DATABASE_URL: the rest must come from the files init wrote.
  const serverEnv = () => withNode22(cleanEnv({ DATABASE_URL: db.url }));

  async function who(token?: string): Promise<Who> {
    const { status, body } = await postGraphql(port, JSON.stringify({ query: WHOAMI }), token);
    assert.equal(status, 200, body);
    return (JSON.parse(body) as { data: { whoami: Who } }).data.whoami;
  }
  /** The pool's tokens run as their group's role, else the authenticated role; no token as the anonymous role; a forged one is a 403. */
  async function verifies(): Promise<void> {
    const admin = await who(pool.accessToken('v5-admin', { 'cognito:groups': ['app_admin'] }));
    assert.deepEqual([admin.sub, admin.role], ['v5-admin', 'app_admin']);
    assert.equal((await who(pool.accessToken('v5-plain'))).role, 'app_user');
    assert.equal((await who()).role, 'app_anonymous');
    const forged = await postGraphql(port, JSON.stringify({ query: WHOAMI }), `${pool.accessToken('v5-admin').slice(0, -4)}AAAA`);
    assert.equal(forged.status, 403, forged.body);
  }

  before(async () => {
    db = await createTestDatabase('v5init');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
    pool = new BatteryPool(jwks, POOL);
    dir = project();
    port = await freePort();
  });
  after(async () => {
    // Even after a failed test: no server, pm2 daemon or app may outlive the tests.
    for (const server of servers) await server.stop();
    for (const pm2 of daemons) {
      await pm2.kill();
      fs.rmSync(pm2.home, { recursive: true, force: true });
    }
    await jwks?.close();
    await db?.drop();
    for (const made of dirs) fs.rmSync(made, { recursive: true, force: true });
  });

  test('init writes graphile.config.mjs and ecosystem.config.js (no .postgraphilerc.js); Node loads the ecosystem file with the right script and args', async () => {
    const made = await runCli(['init', '--pm2', ...cognitoFlags(), '--', '-s', 'public', '-p', String(port), '-n', '127.0.0.1'], { cwd: dir, env: cleanEnv() });
    assertOk(made);
    assert.match(made.stderr, /wrote graphile\.config\.mjs: makeCognitoPreset\(\{ userPoolId, endpoint, clientId, tokenUse, allowedRoles, authenticatedRole, anonymousRole \}\), pgServices \[\{ connectionString, schemas \}\], grafserv \{ port, host \}; the connection string is read from DATABASE_URL/);
    assert.match(made.stderr, /wrote ecosystem\.config\.js: pm2 fork mode, 1 instance, running node_modules\/\.bin\/postgraphile-cognito run/);
    assert.match(made.stderr, /next: export DATABASE_URL=postgres:\/\/\.\.\., then pm2 start ecosystem\.config\.js \(under Node\.js 22\)/);
    assert.doesNotMatch(made.stderr, /lacks/, 'the package is linked into the folder');
    // init runs under the test's Node; when that is older than 22, it says what the server will need.
    if (Number(process.versions.node.split('.')[0]) < 22) assert.match(made.stderr, /warning: the project has PostGraphile 5\.\d+\.\d+, which needs Node\.js 22 or newer; this is Node\.js 20\.\d+\.\d+: start the server \(and pm2\) under Node\.js 22/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['ecosystem.config.js', 'graphile.config.mjs', 'node_modules']);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'graphile.config.mjs'), 'utf8'), /postgres:/, 'a connection string in the file');

    const app = JSON.parse(execFileSync(process.execPath, ['-e', 'console.log(JSON.stringify(require("./ecosystem.config.js").apps[0]))'], { cwd: dir, encoding: 'utf8' })) as Record<string, unknown>;
    assert.deepEqual([app.name, app.cwd, app.script, app.args, app.exec_mode, app.instances], [PM2_APP_NAME, dir, 'node_modules/.bin/postgraphile-cognito', ['run'], 'fork', 1]);
  });

  test('a graphile.config.js that v5 would read instead: exit 2, even with --force, and nothing written', async () => {
    const other = project();
    fs.writeFileSync(path.join(other, 'graphile.config.js'), 'module.exports = {};\n');
    const r = await runCli(['init', '--force', '--pm2', ...cognitoFlags()], { cwd: other, env: cleanEnv() });
    assertCleanError(r, 2, /graphile\.config\.js exists, and PostGraphile v5 would read it instead of graphile\.config\.mjs; nothing was written/);
    assert.deepEqual(fs.readdirSync(other).sort(), ['graphile.config.js', 'node_modules']);
    const refused = await runCli(['init', ...cognitoFlags(), '--', '--default-role', 'app_anonymous'], { cwd: project(), env: cleanEnv() });
    assertCleanError(refused, 2, /into graphile\.config\.mjs: --default-role app_anonymous/, /give --anonymous-role ROLE before the --/);
  });

  test('run under Node 22, with DATABASE_URL and no arguments, serves from graphile.config.mjs and verifies the pool’s tokens', async () => {
    const server = await startServer({ node: node22(), cwd: dir, env: serverEnv(), cliArgs: ['run'], port });
    servers.push(server);
    // The start-up line follows PostGraphile's own: the keys load while it starts.
    await server.said(new RegExp(`user pool ${POOL} .*PostGraphile 5\\.\\d+\\.\\d+ \\(project\\)`));
    assert.match(server.output(), new RegExp(`listening on port ${port} at http://127\\.0\\.0\\.1:${port}/graphql`));
    await verifies();
    const ended = await server.stop('SIGINT');
    assert.ok(ended.signal === 'SIGINT' || ended.code === 130, JSON.stringify(ended));
    assert.equal(await canConnect(port), false, 'the port is still taken');
  });

  test('pm2 under Node 22 starts the ecosystem file as written; it serves, and pm2 stop ends it on SIGINT within kill_timeout', async () => {
    const pm2 = new Pm2(fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-v5-init-pm2-')), dir, serverEnv(), node22());
    daemons.push(pm2);
    const started = await pm2.run('start', 'ecosystem.config.js');
    assert.equal(started.code, 0, started.stderr);
    await waitForPort(port, 60_000);
    const [app] = await pm2.list();
    assert.equal(app?.pm2_env.status, 'online');
    assert.equal(app?.pm2_env.exec_mode, 'fork_mode');
    await verifies();
    const startupLine = new RegExp(`user pool ${POOL} .*PostGraphile 5\\.\\d+\\.\\d+ \\(project\\)`);
    await until(async () => startupLine.test(Object.values(pm2.appLogs()).join('')), 'the start-up line in the pm2 log', 30_000);

    assert.equal((await pm2.run('stop', PM2_APP_NAME)).code, 0);
    await until(async () => !(await canConnect(port)), 'the port to close', KILL_TIMEOUT_MS);
    assert.equal(alive(app!.pid), false);
    assert.doesNotMatch(pm2.daemonLog(), /SIGKILL/, 'pm2 had to kill it');
    await pm2.kill();
  });
});
