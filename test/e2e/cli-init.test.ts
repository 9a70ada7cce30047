/** `init` through the built CLI: what it writes, what it refuses, and that the other commands read the file. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, parseJsonArray, show, valueAfter } from '../helpers/cli-assert';
import { JwksFixture } from '../helpers/jwks-server';
import { tempDirs } from '../helpers/temp';

const POOL = 'local_initcli1';
const AWS_POOL = 'eu-west-1_AbCdEf123';

describe('init', () => {
  let jwks: JwksFixture;
  const temp = tempDirs('pgc-init-cli-');
  const tempDir = temp.make;
  const files = (dir: string) => Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

  before(async () => {
    jwks = await JwksFixture.start(['key-a']);
  });
  after(async () => {
    await jwks?.close();
    temp.removeAll();
  });

  test('init --help names the flags, the PostGraphile flags it maps, and examples; the top-level help lists init', async () => {
    const r = await runCli(['init', '--help'], { env: cleanEnv() });
    assertOk(r);
    for (const mention of [/Usage: postgraphile-cognito init/, /--pm2/, /--force/, /--instances <n>/, /--user-pool-id/, /-c\/--connection/, /--enhance-graphiql/, /Examples:\n\s+\$ /]) {
      assert.match(r.stdout, mention, show(r));
    }
    const top = await runCli(['--help'], { env: cleanEnv() });
    assert.match(top.stdout, /^\s+init \[options\]/m, show(top));
  });

  test('the file it writes is what args (and so run) reads: the cognito section and the PostGraphile options', async () => {
    const dir = tempDir();
    const made = await runCli(['init', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user,app_admin', '--', '--default-role', 'app_anonymous', '-j'], { cwd: dir, env: cleanEnv() });
    assertOk(made);
    assert.equal(made.stdout, '');
    assert.match(made.stderr, /wrote \.postgraphilerc\.js: cognito \{ userPoolId, endpoint, clientId, tokenUse, allowedRoles \}, options \{ connection, defaultRole, dynamicJson \}/);
    assert.match(made.stderr, /next: export DATABASE_URL=postgres:\/\/\.\.\., then npx postgraphile-cognito run/);
    assert.deepEqual(Object.keys(files(dir)), ['.postgraphilerc.js']);

    const args = await runCli(['args', '--json'], { cwd: dir, env: cleanEnv() });
    const list = parseJsonArray(args);
    assert.equal(valueAfter(list, '--cognito-user-pool-id'), POOL);
    assert.equal(valueAfter(list, '--cognito-client-id'), 'client1');
    assert.equal(valueAfter(list, '--cognito-allowed-roles'), 'app_user,app_admin');
    assert.equal(`${valueAfter(list, '--cognito-endpoint')}/${valueAfter(list, '--cognito-user-pool-id')}`, jwks.issuer(POOL));
  });

  test('an existing file: exit 2 naming --force, and nothing written or changed', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'ecosystem.config.js'), '// mine\n');
    const r = await runCli(['init', '--pm2', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', '*', '--allowed-roles', '*'], { cwd: dir, env: cleanEnv() });
    assertCleanError(r, 2, /ecosystem\.config\.js already exists/, /--force/);
    assert.deepEqual(files(dir), { 'ecosystem.config.js': '// mine\n' });

    const forced = await runCli(['init', '--pm2', '--force', '--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', '*', '--allowed-roles', '*'], { cwd: dir, env: cleanEnv() });
    assertOk(forced);
    assert.deepEqual(Object.keys(files(dir)).sort(), ['.postgraphilerc.js', 'ecosystem.config.js']);
  });

  test('usage errors exit 2 and write nothing', async () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [['init'], /init needs --user-pool-id/],
      [['init', '--user-pool-id', AWS_POOL, '--instances', '2'], /--instances is for the pm2 ecosystem file/],
      [['init', '--pm2', '--user-pool-id', AWS_POOL, '--instances', 'two'], /--instances two is not a number/],
      [['init', '--user-pool-id', 'nope'], /user pool id "nope" .*is malformed/],
      [['init', '--user-pool-id', AWS_POOL, '--client-id', '*', '--allowed-roles', '*', '--', '--legacy-json-uuid', '-p', '5000'], /cannot write this PostGraphile argument into \.postgraphilerc\.js: --legacy-json-uuid/],
      [['init', 'stray', '--user-pool-id', AWS_POOL], /unknown command or argument "stray"/],
      [['init', '--user-pool-id', AWS_POOL], /no choice made for the app client, nor for the roles/],
    ];
    for (const [args, pattern] of cases) assertCleanError(await runCli(args, { cwd: dir, env: cleanEnv() }), 2, pattern);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
