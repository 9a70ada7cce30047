/**
 * The v5 preset loaded every way a v5 user loads it, under Node 22: by -P
 * with COGNITO_* variables, by makeCognitoPreset() in graphile.config.mjs
 * (whose own grafast.context still applies), by run reading that file, and
 * from the list `args` prints. Also the refusals before anything starts:
 * Node 20, a configuration error, two different configurations.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatteryPool, WHOAMI } from '../helpers/battery';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { assertCleanError, parseJsonArray, show } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { JwksFixture } from '../helpers/jwks-server';
import { RunningServer, startServer } from '../helpers/server';
import { node22, V5_CLI, v5ProjectFolder, withNode22 } from '../helpers/v5';

const POOL = 'local_v5pre1';
const PRESET = path.join(ROOT, 'dist', 'adapters', 'v5', 'preset.js');
const LIBRARY = path.join(ROOT, 'dist', 'index.js');

type Who = Record<string, string | null>;

describe('the v5 preset, loaded every way', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  let pool: BatteryPool;
  const dirs: string[] = [];
  const servers: RunningServer[] = [];

  /** A folder inside the v5 project (its node_modules are found from there), with these files. */
  function project(files: Record<string, string> = {}): string {
    const dir = v5ProjectFolder('preset-');
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }
  const env = (extra: NodeJS.ProcessEnv = {}) => withNode22(cleanEnv(extra));
  const cognitoEnv = () => ({ COGNITO_USER_POOL_ID: POOL, AWS_ENDPOINT_URL: jwks.endpoint, COGNITO_CLIENT_ID: 'client1', COGNITO_ALLOWED_ROLES: 'app_admin', COGNITO_AUTHENTICATED_ROLE: 'app_user', COGNITO_ANONYMOUS_ROLE: 'app_anonymous' });
  const start = async (options: Parameters<typeof startServer>[0]) => {
    const server = await startServer({ node: node22(), ...options });
    servers.push(server);
    return server;
  };
  const who = async (server: RunningServer, token?: string): Promise<Who> => {
    const res = await server.graphql(WHOAMI, token);
    assert.equal(res.status, 200, res.text);
    return res.body.data!.whoami as Who;
  };
  /** A valid token runs as its group's role with its sub; a forged one is a 403. */
  async function verifies(server: RunningServer): Promise<void> {
    const w = await who(server, pool.accessToken('v5-user', { 'cognito:groups': ['app_admin'] }));
    assert.equal(w.sub, 'v5-user');
    assert.equal(w.role, 'app_admin');
    const forged = await server.graphql(WHOAMI, `${pool.accessToken('v5-user').slice(0, -4)}AAAA`);
    assert.equal(forged.status, 403, forged.text);
  }

  before(async () => {
    db = await createTestDatabase('v5pre');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
    pool = new BatteryPool(jwks, POOL);
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await jwks?.close();
    await db?.drop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("by -P on v5's own CLI, configured by COGNITO_* variables", async () => {
    const server = await start({ command: [V5_CLI, '-P', `postgraphile/presets/amber,${PRESET}`, '-c', db.url, '-s', 'public'], cwd: project(), env: env(cognitoEnv()) });
    await verifies(server);
    // No token: the anonymous role.
    assert.equal((await who(server)).role, 'app_anonymous');
  });

  test('without an anonymous role, start-up says requests without a token run as the connecting role', async () => {
    const { COGNITO_ANONYMOUS_ROLE: _, ...rest } = cognitoEnv();
    const server = await start({ command: [V5_CLI, '-P', `postgraphile/presets/amber,${PRESET}`, '-c', db.url, '-s', 'public'], cwd: project(), env: env(rest) });
    assert.match(server.output(), /warning: no anonymous role: requests without a token run as the connecting role; set COGNITO_ANONYMOUS_ROLE/);
    assert.equal((await who(server)).role, new URL(db.url).username);
  });

  test('verify and doctor work in a v5 project as in any other', async () => {
    const dir = project();
    const args = ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_admin'];
    const verified = await runCli(['verify', ...args, pool.accessToken('v', { 'cognito:groups': ['app_admin'] })], { cwd: dir, env: env() });
    assert.equal(verified.code, 0, show(verified));
    assert.match(verified.stdout, /^ {2}role {7}app_admin$/m);
    const doctor = await runCli(['doctor', '--json', ...args, '--', '-c', db.url], { cwd: dir, env: env() });
    const report = JSON.parse(doctor.stdout) as { checks: { name: string; status: string }[] };
    assert.equal(report.checks.find((c) => c.name === 'database')?.status, 'pass', doctor.stdout);
    assert.equal(report.checks.find((c) => c.name === 'JWKS')?.status, 'pass', doctor.stdout);
  });

  test("by makeCognitoPreset() in graphile.config.mjs, whose own grafast.context and pgSettings still apply", async () => {
    const dir = project({
      'graphile.config.mjs': `import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { makeCognitoPreset } from ${JSON.stringify(LIBRARY)};
export default {
  extends: [PostGraphileAmberPreset, makeCognitoPreset({ userPoolId: ${JSON.stringify(POOL)}, endpoint: ${JSON.stringify(jwks.endpoint)}, clientId: 'client1', allowedRoles: ['app_admin'], authenticatedRole: 'app_user', anonymousRole: 'app_anonymous' })],
  pgServices: [makePgService({ connectionString: ${JSON.stringify(db.url)}, schemas: ['public'] })],
  // The user's own context: it sees the verified claims, and its settings still reach PostgreSQL.
  grafast: { context: (ctx, args) => ({ pgSettings: { ...args.contextValue?.pgSettings, 'app.custom': \`from-context:\${args.contextValue?.jwtClaims?.sub ?? 'anonymous'}\` } }) },
};
`,
    });
    const server = await start({ command: [V5_CLI], cwd: dir, env: env() });
    await verifies(server);
    const w = await who(server, pool.accessToken('ctx-user'));
    assert.equal(w.custom, 'from-context:ctx-user', 'the user context’s pgSettings were dropped, or it saw no jwtClaims');
    assert.equal(w.sub, 'ctx-user');
    assert.equal((await who(server)).custom, 'from-context:anonymous');
  });

  test('by run in a project whose graphile.config.mjs has makeCognitoPreset(): its settings count, flags win', async () => {
    const dir = project({
      'graphile.config.mjs': `import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makeCognitoPreset } from ${JSON.stringify(LIBRARY)};
export default { extends: [PostGraphileAmberPreset, makeCognitoPreset({ userPoolId: ${JSON.stringify(POOL)}, clientId: 'client1', allowedRoles: ['app_admin'] })] };
`,
    });
    const server = await start({ cwd: dir, env: env(), cliArgs: ['--endpoint', jwks.endpoint, '--authenticated-role', 'app_user'], postgraphileArgs: ['-c', db.url, '-s', 'public'] });
    await server.said(new RegExp(`user pool ${POOL} .*PostGraphile 5\\.`));
    await verifies(server);
    assert.equal((await who(server, pool.accessToken('plain'))).role, 'app_user');
  });

  test('by the list args prints: a v5 CLI started from it elsewhere verifies as run does', async () => {
    const dir = project();
    const printed = await runCli(
      ['args', '--json', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_admin', '--anonymous-role', 'app_anonymous', '--', '-c', db.url, '-s', 'public'],
      { cwd: dir, env: env() },
    );
    assert.equal(printed.code, 0, show(printed));
    const list = parseJsonArray(printed);
    assert.equal(list[0], '-P');
    assert.match(list[1]!, new RegExp(`^postgraphile/presets/amber,${PRESET.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:cfg_[A-Za-z0-9_-]+$`));
    assert.deepEqual(list.slice(2), ['-c', db.url, '-s', 'public']);
    // In a process of its own, with none of the configuration in its environment.
    const server = await start({ command: [V5_CLI, ...list], cwd: dir, env: env() });
    await verifies(server);
    assert.equal((await who(server)).role, 'app_anonymous');
  });

  test('the user’s own -P presets are kept, merged into the one -P (v5 keeps only the last)', async () => {
    const printed = await runCli(['args', '--json', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', '*', '--role-claim', 'none', '--', '-P', 'postgraphile/presets/amber,./mine.js', '-c', 'x'], { cwd: project(), env: env() });
    assert.equal(printed.code, 0, show(printed));
    const list = parseJsonArray(printed);
    assert.equal(list.filter((a) => a === '-P').length, 1);
    assert.match(list[1]!, /^postgraphile\/presets\/amber,\.\/mine\.js,\/.*preset\.js:cfg_/);
  });

  test('under Node 20, run in a v5 project exits 2 before anything starts, saying v5 needs Node 22', async () => {
    if (Number(process.versions.node.split('.')[0]) >= 22) {
      assert.fail('the tests must run under Node 20 to check this (FACTS.md section 6); this is Node ' + process.versions.node);
    }
    const before = jwks.requests;
    const r = await runCli(['run', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', '*', '--allowed-roles', '*', '--', '-c', db.url], { cwd: project(), env: cleanEnv() });
    assertCleanError(r, 2, /needs Node\.js 22 or newer; this is Node\.js 20\./);
    assert.equal(jwks.requests, before, 'the keys were fetched although v5 cannot run');
  });

  test('a configuration error under v5’s own CLI: exit 2 and one clear line, no stack trace', () => {
    const r = spawnSync(node22(), [V5_CLI, '-P', `postgraphile/presets/amber,${PRESET}`, '-c', db.url], { cwd: project(), env: env({ COGNITO_USER_POOL_ID: POOL, AWS_ENDPOINT_URL: jwks.endpoint }), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /postgraphile-cognito: error: no choice made for the app client/);
    assert.match(r.stderr, /COGNITO_CLIENT_ID '\*'/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  test('configured twice, differently, in one process: exit 2, naming the two places', () => {
    const dir = project({
      'graphile.config.mjs': `import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makeCognitoPreset } from ${JSON.stringify(LIBRARY)};
export default { extends: [PostGraphileAmberPreset, makeCognitoPreset({ userPoolId: ${JSON.stringify(POOL)}, endpoint: ${JSON.stringify(jwks.endpoint)}, clientId: 'client1', allowedRoles: ['app_admin'] })] };
`,
    });
    const r = spawnSync(node22(), [V5_CLI, '-P', PRESET, '-c', db.url], { cwd: dir, env: env({ ...cognitoEnv(), COGNITO_CLIENT_ID: 'another-client' }), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /configured twice in this process, differently/);
  });
});
