/**
 * The plugin loaded by PostGraphile's own CLI (`postgraphile --plugins …`),
 * for people who start PostGraphile themselves: configuration from the
 * environment or the rc file's `cognito` section, genuine cognito-local
 * tokens of users in groups, and what goes wrong without the plugin.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { LocalPool, Tokens } from '../helpers/cognito';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { startServer } from '../helpers/server';

const POSTGRAPHILE_CLI = path.join(ROOT, 'node_modules', 'postgraphile', 'cli.js');
const PLUGIN = path.join(ROOT, 'dist', 'adapters', 'v4', 'index.js');
const WHOAMI = '{ whoami }';
const NOTES = '{ allNotes(orderBy: ID_ASC) { nodes { body } } }';

type Who = Record<string, string | null>;

describe('the plugin loaded by postgraphile --plugins', () => {
  let db: TestDatabase;
  let pool: LocalPool;
  let carol: Tokens;
  let dave: Tokens;
  let pem: string;
  let dirs: string[] = [];

  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-standalone-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    db = await createTestDatabase('standalone');
    pool = await LocalPool.create('standalone-e2e');
    await pool.group('app_staff');
    await pool.group('newsletter');
    carol = await pool.user('carol@example.com', { groups: ['newsletter', 'app_staff'], attributes: { 'custom:tenant_id': 'acme' } });
    dave = await pool.user('dave@example.com');
    await db.query('insert into note (owner_sub, body) values ($1, $2), ($3, $4)', [carol.sub, 'carol note', dave.sub, 'dave note']);
    await db.query(`insert into tenant_doc (tenant, title) values ('acme', 'acme plan'), ('globex', 'globex plan')`);
    const result = await runCli(['pem', '--user-pool-id', pool.poolId, '--endpoint', pool.endpoint]);
    assert.equal(result.code, 0, result.stderr);
    pem = result.stdout;
  });

  after(async () => {
    await db?.drop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('configured by environment variables: access and ID tokens of a group member pass row-level security with the role from the group', async () => {
    const server = await startServer({
      command: [POSTGRAPHILE_CLI, '--plugins', PLUGIN],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json', '--jwt-secret', pem],
      cwd: tempDir(),
      env: cleanEnv({
        COGNITO_USER_POOL_ID: pool.poolId,
        AWS_ENDPOINT_URL: pool.endpoint,
        COGNITO_TOKEN_USE: 'any',
        COGNITO_CLIENT_ID: pool.clientId,
        COGNITO_ALLOWED_ROLES: 'app_staff,app_admin',
        COGNITO_AUTHENTICATED_ROLE: 'app_user',
      }),
    });
    try {
      for (const token of [carol.accessToken, carol.idToken]) {
        const who = await server.graphql(WHOAMI, token);
        assert.equal(who.status, 200, who.text);
        const w = who.body.data!.whoami as Who;
        assert.equal(w.role, 'app_staff');
        assert.equal(w.sub, carol.sub);
        assert.deepEqual(JSON.parse(w.groups!).sort(), ['app_staff', 'newsletter']);
        const notes = await server.graphql(NOTES, token);
        assert.deepEqual(notes.body.data!.allNotes, { nodes: [{ body: 'carol note' }] });
      }
      // Claims only an ID token carries, under PostgreSQL-safe names.
      const id = (await server.graphql(WHOAMI, carol.idToken)).body.data!.whoami as Who;
      const idClaims = JSON.parse(Buffer.from(carol.idToken.split('.')[1]!, 'base64url').toString());
      assert.equal(id.username, idClaims['cognito:username']);
      assert.ok(id.username, 'cognito:username reaches jwt.claims.cognito_username');
      assert.equal(id.emailVerified, 'false');
      assert.equal(id.tenant, 'acme');
      const docs = await server.graphql('{ allTenantDocs { nodes { title } } }', carol.idToken);
      assert.deepEqual(docs.body.data!.allTenantDocs, { nodes: [{ title: 'acme plan' }] });
      // A user in no group gets the authenticated role and only their own rows.
      const daves = await server.graphql(NOTES, dave.accessToken);
      assert.deepEqual(daves.body.data!.allNotes, { nodes: [{ body: 'dave note' }] });
      assert.equal(((await server.graphql(WHOAMI, dave.accessToken)).body.data!.whoami as Who).role, 'app_user');
      assert.doesNotMatch(server.output(), /no app client id configured/);
    } finally {
      await server.stop();
    }
  });

  test('configured by the rc file, with no --jwt-secret; the rc pgSettings still apply', async () => {
    const cwd = tempDir();
    fs.writeFileSync(
      path.join(cwd, '.postgraphilerc.js'),
      `module.exports = {
        options: { pgSettings: { 'app.custom': 'from-rc' } },
        cognito: { userPoolId: ${JSON.stringify(pool.poolId)}, endpoint: ${JSON.stringify(pool.endpoint)}, tokenUse: 'id', clientId: [${JSON.stringify(pool.clientId)}], allowedRoles: '*' },
      };`,
    );
    const server = await startServer({
      command: [POSTGRAPHILE_CLI, '--plugins', PLUGIN],
      postgraphileArgs: ['-c', db.url, '--default-role', 'app_user', '--dynamic-json'],
      cwd,
      // Not a region (emulators set it so): a warning the plugin must print.
      env: cleanEnv({ AWS_REGION: 'local' }),
    });
    try {
      const ok = await server.graphql(WHOAMI, dave.idToken);
      assert.equal(ok.status, 200, ok.text);
      const w = ok.body.data!.whoami as Who;
      assert.equal(w.custom, 'from-rc');
      assert.equal(w.sub, dave.sub);
      // No group and no --authenticated-role: PostGraphile's --default-role.
      assert.equal(w.role, 'app_user');
      assert.match(server.output(), /warning: AWS_REGION "local" is not an AWS region/);
      // The one start-up line: pool, issuer, token use, client check, kids, cache.
      assert.match(
        server.output(),
        /user pool local_\w+ \(issuer http:\/\/127\.0\.0\.1:\d+\/local_\w+\): ID tokens, app client check on \(1 client\), kids \[CognitoLocal\] fetched \(cache not used\)/,
      );
      // tokenUse id: access tokens are refused.
      const refused = await server.graphql(WHOAMI, dave.accessToken);
      assert.equal(refused.status, 403);
      assert.match(refused.body.errors![0]!.message, /token_use is access, but only id tokens are accepted/);
    } finally {
      await server.stop();
    }
  });

  test('the list args prints carries flag-only configuration to the plugin in a PostGraphile started by hand', async () => {
    const printed = await runCli([
      'args', '--json', '--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--token-use', 'id',
      '--client-id', pool.clientId, '--allowed-roles', 'app_admin', '--', '-c', db.url, '--default-role', 'app_user', '--dynamic-json',
    ]);
    assert.equal(printed.code, 0, printed.stderr);
    const list = JSON.parse(printed.stdout) as string[];
    assert.equal(list[list.indexOf('--cognito-client-id') + 1], pool.clientId);
    // No COGNITO_* variables and no rc file: only the printed flags configure the plugin.
    const server = await startServer({ command: [POSTGRAPHILE_CLI, ...list], cwd: tempDir(), env: cleanEnv() });
    try {
      const ok = await server.graphql(WHOAMI, dave.idToken);
      assert.equal(ok.status, 200, ok.text);
      assert.equal((ok.body.data!.whoami as Who).sub, dave.sub);
      // --token-use id reached the plugin.
      const access = await server.graphql(WHOAMI, dave.accessToken);
      assert.equal(access.status, 403);
      assert.match(access.body.errors![0]!.message, /only id tokens/);
      // --allowed-roles reached it too: carol's groups name no allowed role.
      const carols = await server.graphql(WHOAMI, carol.idToken);
      assert.equal(carols.status, 403);
      assert.match(carols.body.errors![0]!.message, /no allowed role/);
      assert.doesNotMatch(server.output(), /no app client id configured/);
    } finally {
      await server.stop();
    }
  });

  test('used as a library: makeCognitoPlugin in a pluginHook, as docs/plugin.md shows', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'server.js');
    fs.writeFileSync(
      script,
      `const http = require('http');
      const { postgraphile, makePluginHook } = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'postgraphile'))});
      const { makeCognitoPlugin, resolveConfig } = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
      const settings = resolveConfig({ flags: { userPoolId: ${JSON.stringify(pool.poolId)}, endpoint: ${JSON.stringify(pool.endpoint)}, clientId: ${JSON.stringify(pool.clientId)}, allowedRoles: '*' }, env: process.env });
      const pluginHook = makePluginHook([makeCognitoPlugin(settings)]);
      const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
      http.createServer(postgraphile(${JSON.stringify(db.url)}, 'public', { pluginHook, pgDefaultRole: 'app_user', dynamicJson: true }))
        .listen(port, '127.0.0.1', () => console.log('listening on port ' + port));`,
    );
    const server = await startServer({ command: [script], cwd: dir, env: cleanEnv({ AWS_REGION: 'local' }) });
    try {
      const ok = await server.graphql(WHOAMI, dave.accessToken);
      assert.equal(ok.status, 200, ok.text);
      assert.equal((ok.body.data!.whoami as Who).sub, dave.sub);
      const notes = await server.graphql(NOTES, dave.accessToken);
      assert.deepEqual(notes.body.data!.allNotes, { nodes: [{ body: 'dave note' }] });
      assert.equal((await server.graphql(WHOAMI, 'not-a-token')).status, 403);
      // The configuration's warnings are printed at start-up in library use too.
      assert.match(server.output(), /warning: AWS_REGION "local" is not an AWS region/);
    } finally {
      await server.stop();
    }
  });

  test('a configuration error stops PostGraphile with exit 2 and one clear line, no stack trace', () => {
    const result = spawnSync(process.execPath, [POSTGRAPHILE_CLI, '--plugins', PLUGIN, '-c', db.url], {
      cwd: tempDir(),
      env: cleanEnv({ COGNITO_TOKEN_USE: 'any' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /postgraphile-cognito: error: no user pool id given/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });

  test('without the security choices the plugin stops PostGraphile: exit 2, naming its own flags', () => {
    const result = spawnSync(process.execPath, [POSTGRAPHILE_CLI, '--plugins', PLUGIN, '-c', db.url, '--cognito-user-pool-id', pool.poolId, '--cognito-endpoint', pool.endpoint], {
      cwd: tempDir(),
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /postgraphile-cognito: error: no choice made for the app client, nor for the roles/);
    assert.match(result.stderr, /--cognito-client-id '\*'/);
    assert.match(result.stderr, /--cognito-allowed-roles '\*'/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    // Nor does it serve first: PostGraphile never got as far as listening.
    assert.doesNotMatch(result.stdout, /listening on port/);
  });

  test('without the plugin, the seed recipe fails every request of a group member on PostgreSQL 14+', async (t) => {
    const [row] = await db.query<{ server_version_num: string }>('show server_version_num');
    const version = row?.server_version_num ?? '0';
    if (Number(version) < 140000) return t.skip(`PostgreSQL ${version} accepts any setting name`);
    const server = await startServer({
      command: [POSTGRAPHILE_CLI],
      postgraphileArgs: [
        '-c', db.url, '--default-role', 'app_anonymous', '--jwt-secret', pem, '--jwt-verify-algorithms', 'RS256',
        '--jwt-verify-audience', '',
      ],
      cwd: tempDir(),
    });
    try {
      // Any token of a user in a group (cognito:groups), and every ID token (cognito:username).
      const groups = await server.graphql(WHOAMI, carol.accessToken);
      assert.match(groups.text, /invalid configuration parameter name \\"jwt\.claims\.cognito:groups\\"/);
      const id = await server.graphql(WHOAMI, dave.idToken);
      assert.match(id.text, /invalid configuration parameter name \\"jwt\.claims\.cognito:username\\"/);
    } finally {
      await server.stop();
    }
  });
});
