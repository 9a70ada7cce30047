/**
 * `args` end to end: the exact PostGraphile argument list, as JSON and as one
 * shell-quoted line that `eval` turns back into the same list.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, cleanEnv, ROOT, runCli } from '../helpers/cli';
import { assertOk, parseJsonArray, show, valueAfter } from '../helpers/cli-assert';
import { assertArgsFailed } from '../helpers/args-failure';
import { JwksFixture } from '../helpers/jwks-server';
import { ARGS_FAILED } from '../../src/cli/commands/args';

const POOL = 'local_abc123';
const PLUGIN = path.join(ROOT, 'dist', 'adapters', 'v4', 'index.js');
/** The security choices every server-starting command needs (see the test of their absence below). */
const CHOICES = ['--client-id', '*', '--allowed-roles', '*'];

/** Runs `sh -c` with positional parameters and returns what it wrote, split on NUL. */
function shellArgs(script: string, positional: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; args: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh', ...positional], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      assert.ok(text === '' || text.endsWith('\0'), `output not NUL-terminated: ${JSON.stringify(text)}`);
      resolve({ code, args: text === '' ? [] : text.slice(0, -1).split('\0'), stderr });
    });
  });
}

describe('args', () => {
  let fixture: JwksFixture;
  let cwd: string;
  let rcDir: string;

  const pool = () => ['--user-pool-id', POOL, '--endpoint', fixture.endpoint, ...CHOICES];
  const cli = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runCli(args, { env: options.env ?? cleanEnv(), cwd: options.cwd ?? cwd });

  before(async () => {
    fixture = await JwksFixture.start(['key-a', 'key-b']);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-args-'));
    rcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-args-rc-'));
    fs.writeFileSync(
      path.join(rcDir, '.postgraphilerc.js'),
      `module.exports = {
  options: { plugins: ['some-plugin'], connection: 'postgres:///ignored' },
  cognito: { userPoolId: ${JSON.stringify(POOL)}, endpoint: ${JSON.stringify(fixture.endpoint)}, clientId: '*', allowedRoles: '*' },
};
`,
    );
  });

  after(async () => {
    await fixture?.close();
    for (const dir of [cwd, rcDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--json: the plugin first, the configuration as its flags, user args last; no --jwt-* flag, no PEM', async () => {
    const userArgs = ['-c', 'postgres:///app', '--watch', '--default-role', 'anon'];
    const r = await cli(['args', '--json', ...pool(), '--', ...userArgs]);
    assertOk(r);
    const list = parseJsonArray(r);
    assert.ok(list.every((a) => typeof a === 'string'), show(r));
    assert.equal(list[0], '--plugins');
    assert.ok(list[1]!.endsWith(path.join('dist', 'adapters', 'v4', 'index.js')), list[1]);
    assert.equal(list[1], PLUGIN);
    assert.ok(fs.existsSync(list[1]!), 'the plugin path does not exist');
    // The plugin verifies every token: PostGraphile's own JWT flags would only say less, and need a key.
    assert.ok(!list.some((a) => a.startsWith('--jwt-') || a.includes('BEGIN PUBLIC KEY')), show(r));
    assert.equal(valueAfter(list, '--cognito-user-pool-id'), POOL);
    assert.equal(valueAfter(list, '--cognito-endpoint'), fixture.endpoint);
    assert.equal(valueAfter(list, '--cognito-role-claim'), 'cognito:groups');
    assert.deepEqual(list.slice(-userArgs.length), userArgs);
    assert.equal(list.filter((a) => a === '--plugins').length, 1);
    // The security choices reach the plugin as its own flags.
    assert.equal(valueAfter(list, '--cognito-client-id'), '*');
    assert.equal(valueAfter(list, '--cognito-allowed-roles'), '*');
  });

  test('without the security choices, args exits 2 at once, naming both, and prints no arguments', async () => {
    const r = await cli(['args', '--user-pool-id', POOL, '--endpoint', fixture.endpoint]);
    assertArgsFailed(r, 2, /no choice made for the app client, nor for the roles/, /--client-id '\*'/, /--allowed-roles '\*'/);
    const fetches = fixture.requests;
    const one = await cli(['args', '--json', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--client-id', 'c1']);
    assert.equal(one.code, 2, show(one));
    assert.doesNotMatch(one.stderr, /app client/);
    assert.equal(fixture.requests, fetches, 'the JWKS was fetched although args could not succeed');
  });

  test('--token-use id with --client-id a,b reaches the plugin as its flags', async () => {
    const r = await cli(['args', '--json', ...pool(), '--token-use', 'id', '--client-id', 'a,b']);
    assertOk(r);
    const list = parseJsonArray(r);
    assert.equal(valueAfter(list, '--cognito-client-id'), 'a,b');
    assert.equal(valueAfter(list, '--cognito-token-use'), 'id');
  });

  test('a JWKS that holds no usable key still fails args (exit 3): its list would start a server with no keys', async () => {
    const other = await JwksFixture.start(['k']);
    try {
      other.mode = 'no-rsa';
      const r = await cli(['args', '--json', '--user-pool-id', POOL, '--endpoint', other.endpoint, ...CHOICES]);
      assert.equal(r.code, 3, show(r));
      assert.deepEqual(JSON.parse(r.stdout), [ARGS_FAILED], 'with --json, a list of the word PostGraphile refuses');
    } finally {
      await other.close();
    }
  });

  test('--role-claim with a path is passed through to the plugin', async () => {
    const r = await cli(['args', '--json', ...pool(), '--role-claim', 'custom:role']);
    assertOk(r);
    assert.equal(valueAfter(parseJsonArray(r), '--cognito-role-claim'), 'custom:role');
  });

  test("the user's --plugins is merged into the first --plugins, after ours", async () => {
    const r = await cli(['args', '--json', ...pool(), '--', '--plugins', 'x', '-c', 'postgres:///app']);
    assertOk(r);
    const list = parseJsonArray(r);
    assert.deepEqual(list.slice(0, 2), ['--plugins', `${PLUGIN},x`]);
    assert.equal(list.filter((a) => a === '--plugins' || a.startsWith('--plugins=')).length, 1, show(r));
    assert.deepEqual(list.slice(-2), ['-c', 'postgres:///app']);
  });

  test('--plugins=a,b in the user args is merged too', async () => {
    const r = await cli(['args', '--json', ...pool(), '--', '--plugins=a,b', '--watch']);
    assertOk(r);
    const list = parseJsonArray(r);
    assert.deepEqual(list.slice(0, 2), ['--plugins', `${PLUGIN},a,b`]);
    assert.ok(!list.some((a) => a.startsWith('--plugins=')), show(r));
    assert.equal(list.at(-1), '--watch');
  });

  test('user args after -- are untouched, even ones that look like our options', async () => {
    const userArgs = ['', "it's", 'a b', '--json', '--user-pool-id', 'other_pool', '--'];
    const r = await cli(['args', '--json', ...pool(), '--', ...userArgs]);
    assertOk(r);
    const list = parseJsonArray(r);
    assert.deepEqual(list.slice(-userArgs.length), userArgs);
    // Our own --user-pool-id was not overridden by the one after --.
    assert.equal(valueAfter(list, '--cognito-user-pool-id'), POOL);
  });

  test('the plain output, eval-ed by sh, gives exactly the --json list (newlines, quotes, spaces)', async () => {
    const userArgs = ['-c', 'postgres://u:p@h/db name', "it's", '$HOME `id` $(id)', 'line 1\nline 2', '', '\\back\\slash', '*', '--json'];
    const json = await cli(['args', '--json', ...pool(), '--', ...userArgs]);
    assertOk(json);
    const expected = parseJsonArray(json);

    const plain = await cli(['args', ...pool(), '--', ...userArgs]);
    assertOk(plain);
    assert.ok(plain.stdout.startsWith('--plugins '), show(plain));
    assert.ok(plain.stdout.includes(" 'line 1\nline 2' "), show(plain));
    assert.ok(plain.stdout.endsWith(' --json\n'), show(plain));

    const env = cleanEnv({ PGC_BIN: BIN, PGC_NODE: process.execPath, PGC_EP: fixture.endpoint, PGC_POOL: POOL });
    const script =
      'eval "set -- $("$PGC_NODE" "$PGC_BIN" args --user-pool-id "$PGC_POOL" --endpoint "$PGC_EP" --client-id "*" --allowed-roles "*" -- "$@" 2>/dev/null)"; ' +
      'for a in "$@"; do printf "%s\\0" "$a"; done';
    const sh = await shellArgs(script, userArgs, env, cwd);
    assert.equal(sh.code, 0, sh.stderr);
    assert.deepEqual(sh.args, expected);
  });

  test('an rc file alone configures the pool, and its plugins are merged after ours', async () => {
    const r = await cli(['args', '--json'], { cwd: rcDir });
    assertOk(r);
    const list = parseJsonArray(r);
    assert.deepEqual(list.slice(0, 2), ['--plugins', `${PLUGIN},some-plugin`]);
    assert.equal(valueAfter(list, '--cognito-user-pool-id'), POOL);
    assert.equal(valueAfter(list, '--cognito-endpoint'), fixture.endpoint);
  });

  test('flags that set an rc value back to its default reach the plugin as flags', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-rc-defaults-'));
    try {
      fs.writeFileSync(
        path.join(dir, '.postgraphilerc.js'),
        `module.exports = { cognito: { userPoolId: '${POOL}', endpoint: '${fixture.endpoint}', tokenUse: 'id', clockTolerance: 60, roleClaim: 'custom:role', clientId: '*', allowedRoles: '*' } };`,
      );
      const r = await cli(['args', '--json', '--token-use', 'access', '--clock-tolerance', '5', '--role-claim', 'cognito:groups'], { cwd: dir });
      assertOk(r);
      const list = parseJsonArray(r);
      // The plugin reads the rc file too; only these flags keep it from reading id / 60 / custom:role.
      assert.equal(valueAfter(list, '--cognito-token-use'), 'access');
      assert.equal(valueAfter(list, '--cognito-clock-tolerance'), '5');
      assert.equal(valueAfter(list, '--cognito-role-claim'), 'cognito:groups');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('JWKS trouble in args exits 3 and prints no arguments, only the word PostGraphile refuses', async () => {
    const other = await JwksFixture.start(['k']);
    try {
      other.mode = 'not-found';
      const r = await cli(['args', '--json', '--user-pool-id', POOL, '--endpoint', other.endpoint, ...CHOICES]);
      assert.equal(r.code, 3, show(r));
      assert.deepEqual(JSON.parse(r.stdout), [ARGS_FAILED]);
    } finally {
      await other.close();
    }
  });
});
