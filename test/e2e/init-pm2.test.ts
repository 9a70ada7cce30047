/**
 * `init --pm2` as a new user meets it: the package installed into a fresh
 * project, `npx postgraphile-cognito init --pm2`, then `pm2 start
 * ecosystem.config.js` from that folder, in fork mode and in cluster mode
 * with two instances. The files are used as written: the apps get no
 * arguments or environment from the test other than DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { KILL_TIMEOUT_MS, PM2_APP_NAME } from '../../src/init';
import { cleanEnv } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { canConnect, freePort, postGraphql, waitForPort } from '../helpers/net';
import { Pm2 } from '../helpers/pm2';
import { alive, until } from '../helpers/process';
import { InstalledProject, installPackedProject } from '../helpers/project';

const POOL = 'local_init1';
const NOTES = '{ allNotes { nodes { body } } }';

/** One request on a connection of its own, so pm2's cluster spreads them over its workers. */
async function graphqlOnce(port: number, query: string, token?: string): Promise<{ status: number; body: { data?: { allNotes?: { nodes: { body: string }[] } } } }> {
  const { status, body } = await postGraphql(port, JSON.stringify({ query }), token);
  return { status, body: JSON.parse(body) };
}

async function notesOf(port: number, token?: string): Promise<string[]> {
  const answer = await graphqlOnce(port, NOTES, token);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data!.allNotes!.nodes.map((n) => n.body);
}

describe('init --pm2 in a freshly installed project', () => {
  let project: InstalledProject;
  let db: TestDatabase;
  let jwks: JwksFixture;
  const daemons: Pm2[] = [];

  before(async () => {
    project = await installPackedProject('pgc-init-pm2-');
    db = await createTestDatabase('initpm2');
    await db.query(`insert into note (owner_sub, body) values ('alice', 'alice''s note'), ('bob', 'bob''s note')`);
    jwks = await JwksFixture.start(['key-a']);
  });

  after(async () => {
    // Even after a failed test: no pm2 daemon, and so no app, may outlive the tests.
    for (const pm2 of daemons) {
      await pm2.kill();
      fs.rmSync(pm2.home, { recursive: true, force: true });
    }
    await jwks?.close();
    await db?.drop();
    project?.remove();
  });

  const token = (sub: string) => jwks.sign('key-a', accessClaims(sub), { issuer: jwks.issuer(POOL) });

  /** `npx postgraphile-cognito init ...` in the project. */
  async function initCli(args: string[]): Promise<{ code: number; stderr: string }> {
    try {
      const { stderr } = await promisify(execFile)('npx', ['--no-install', 'postgraphile-cognito', 'init', ...args], { cwd: project.dir, env: cleanEnv(), encoding: 'utf8' });
      return { code: 0, stderr };
    } catch (error) {
      const e = error as { code?: number; stderr?: string };
      return { code: e.code ?? 1, stderr: e.stderr ?? String(error) };
    }
  }

  function pm2For(env: NodeJS.ProcessEnv = {}, cwd = project.dir): Pm2 {
    const pm2 = new Pm2(fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-init-pm2-home-')), cwd, cleanEnv(env));
    daemons.push(pm2);
    return pm2;
  }

  const cognitoFlags = () => ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--authenticated-role', 'app_user', '--allowed-roles', 'app_user'];

  test('fork mode: pm2 start serves verified tokens with row-level security; pm2 stop ends it on SIGINT, well within kill_timeout', async () => {
    const port = await freePort();
    // No -c: the rc file reads DATABASE_URL, which the user exports before pm2 start.
    const made = await initCli(['--pm2', ...cognitoFlags(), '--', '--port', String(port), '--host', '127.0.0.1', '--default-role', 'app_anonymous']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /wrote \.postgraphilerc\.js: .*read from DATABASE_URL/);
    assert.match(made.stderr, /wrote ecosystem\.config\.js: pm2 fork mode, 1 instance/);
    assert.doesNotMatch(made.stderr, /lacks/, 'node_modules/.bin/postgraphile-cognito should be there');

    const pm2 = pm2For({ DATABASE_URL: db.url });
    const started = await pm2.run('start', 'ecosystem.config.js');
    assert.equal(started.code, 0, started.stderr);
    await waitForPort(port, 30_000);
    const [app] = await pm2.list();
    assert.equal(app?.name, PM2_APP_NAME);
    assert.equal(app?.pm2_env.status, 'online');
    assert.equal(app?.pm2_env.exec_mode, 'fork_mode');

    assert.deepEqual(await notesOf(port, token('alice')), ["alice's note"]);
    assert.deepEqual(await notesOf(port, token('bob')), ["bob's note"]);
    assert.deepEqual(await notesOf(port), [], 'anonymous requests see no note');
    const forged = await graphqlOnce(port, NOTES, token('alice').slice(0, -4) + 'AAAA');
    assert.equal(forged.status, 403);
    // The installed package ran, with the project's PostGraphile.
    assert.match(Object.values(pm2.appLogs()).join(''), /user pool local_init1 \(issuer [^)]+\): access tokens, app client check on \(1 client\), kids \[key-a\] fetched \(cache not used\); PostGraphile 4\.14\.1 \(project\)/);

    const stopping = Date.now();
    assert.equal((await pm2.run('stop', PM2_APP_NAME)).code, 0);
    await until(async () => !(await canConnect(port)), 'the port to close', KILL_TIMEOUT_MS);
    assert.ok(Date.now() - stopping < KILL_TIMEOUT_MS, `stopping took ${Date.now() - stopping} ms`);
    assert.equal(alive(app.pid), false);
    assert.equal((await pm2.list())[0]?.pm2_env.status, 'stopped');
    assert.match(pm2.daemonLog(), /exited with code \[\d+\] via signal \[SIGINT\]/);
    assert.doesNotMatch(pm2.daemonLog(), /SIGKILL/, 'pm2 had to kill it');

    const daemon = pm2.daemonPid()!;
    assert.equal((await pm2.run('kill')).code, 0);
    await until(() => !alive(daemon), "pm2's daemon to end");
  });

  test('init refuses to overwrite without --force and changes nothing', async () => {
    const before = fs.readFileSync(path.join(project.dir, '.postgraphilerc.js'), 'utf8');
    const refused = await initCli(['--pm2', '--instances', '2', ...cognitoFlags()]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /error: \.postgraphilerc\.js and ecosystem\.config\.js already exist/);
    assert.match(refused.stderr, /hint: pass --force/);
    assert.equal(fs.readFileSync(path.join(project.dir, '.postgraphilerc.js'), 'utf8'), before);
    assert.match(fs.readFileSync(path.join(project.dir, 'ecosystem.config.js'), 'utf8'), /exec_mode: "fork"/);
  });

  test('cluster mode, two instances: both workers serve; one stopped by id, the other still serves; pm2 kill ends it cleanly', async () => {
    const port = await freePort();
    const made = await initCli(['--pm2', '--instances', '2', '--force', ...cognitoFlags(), '--', '-c', db.url, '--port', String(port), '--host', '127.0.0.1', '--default-role', 'app_anonymous']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /pm2 cluster mode, 2 instances/);

    // No DATABASE_URL this time: the connection string is in the rc file. Started from
    // elsewhere: the file runs the app in its own folder, where the rc file is.
    const pm2 = pm2For({}, os.tmpdir());
    const started = await pm2.run('start', path.join(project.dir, 'ecosystem.config.js'));
    assert.equal(started.code, 0, started.stderr);
    await waitForPort(port, 30_000);
    let list: Awaited<ReturnType<Pm2['list']>> = [];
    await until(async () => (list = await pm2.list()).filter((p) => p.pm2_env.status === 'online').length === 2, 'two online instances', 30_000);
    assert.ok(list.every((p) => p.pm2_env.exec_mode === 'cluster_mode'));
    assert.equal(new Set(list.map((p) => p.pid)).size, 2);

    // Each instance logs the queries it answers to its own file (postgraphile-cognito-out-<id>.log).
    const logOf = (id: number) => Object.entries(pm2.appLogs(new RegExp(`-out-${id}\\.log$`)))[0]?.[1] ?? '';
    const queriesIn = (id: number) => (logOf(id).match(/allNotes/g) ?? []).length;
    // "online" means started: an instance still introspecting the database gets no connections yet.
    await until(() => [0, 1].every((id) => /listening on port/.test(logOf(id))), 'both instances to listen', 60_000);
    for (let i = 0; i < 12; i++) assert.deepEqual(await notesOf(port, token(i % 2 ? 'alice' : 'bob')), [i % 2 ? "alice's note" : "bob's note"]);
    await until(() => queriesIn(0) > 0 && queriesIn(1) > 0, 'both instances to log a query', 5_000).catch(() => {
      assert.fail(`not both instances served: ${queriesIn(0)} and ${queriesIn(1)} queries`);
    });

    const [first, second] = [...list].sort((a, b) => a.pm_id - b.pm_id);
    assert.equal((await pm2.run('stop', String(first!.pm_id))).code, 0);
    await until(() => !alive(first!.pid), 'the first instance to end', KILL_TIMEOUT_MS);
    const served = queriesIn(second!.pm_id);
    for (let i = 0; i < 4; i++) assert.deepEqual(await notesOf(port, token('alice')), ["alice's note"]);
    // pm2 writes the logs a little later.
    await until(() => queriesIn(second!.pm_id) >= served + 4, 'the remaining instance to log the queries it answered', 5_000);

    const daemon = pm2.daemonPid()!;
    const killing = Date.now();
    assert.equal((await pm2.run('kill')).code, 0);
    await until(async () => !(await canConnect(port)), 'the port to close', KILL_TIMEOUT_MS);
    assert.ok(Date.now() - killing < KILL_TIMEOUT_MS, `pm2 kill took ${Date.now() - killing} ms`);
    await until(() => ![second!.pid, daemon].some(alive), 'the instance and the daemon to end');
    assert.doesNotMatch(pm2.daemonLog(), /SIGKILL/, 'pm2 had to kill an instance');
  });
});
