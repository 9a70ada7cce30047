import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { buildPostGraphileArgs, pluginFlags, shellLine, shellQuote } from '../../src/launch/args';
import { ARGS_FAILED, argsFailureOutput } from '../../src/cli/commands/args';
import { resolveConfig } from '../../src/config/resolve';
import { RawSettings } from '../../src/config/types';

const POOL = 'eu-west-1_AbCdEf123';
const PLUGIN = '/opt/pgc/dist/adapters/v4/index.js';

function configOf(flags: RawSettings = {}) {
  return resolveConfig({ flags: { userPoolId: POOL, ...flags } }).config;
}

/** The value following `flag` in `args`, asserting the flag appears exactly once. */
function valueOf(args: readonly string[], flag: string): string | undefined {
  const positions = args.flatMap((a, i) => (a === flag ? [i] : []));
  assert.equal(positions.length, 1, `${flag} should appear once in ${JSON.stringify(args)}`);
  return args[positions[0]! + 1];
}

describe('buildPostGraphileArgs: plugins', () => {
  test('--plugins comes first and holds the plugin path', () => {
    const args = buildPostGraphileArgs({ config: configOf(), pluginPath: PLUGIN });
    assert.equal(args[0], '--plugins');
    assert.equal(args[1], PLUGIN);
    assert.equal(args.filter((a) => a === '--plugins').length, 1);
  });

  test("the user's --plugins, wherever it stands, is merged after ours and removed from the rest", () => {
    const args = buildPostGraphileArgs({
      config: configOf(),
      pluginPath: PLUGIN,
      userArgs: ['-c', 'postgres:///app', '--plugins', 'a, b', '--watch'],
      rcPlugins: ['rc-plugin'],
    });
    assert.deepEqual(args.slice(0, 2), ['--plugins', `${PLUGIN},a,b`]);
    assert.deepEqual(args.slice(-3), ['-c', 'postgres:///app', '--watch']);
    assert.equal(args.filter((a) => a === '--plugins').length, 1);
    assert.ok(!args.join(' ').includes('rc-plugin'), 'rc plugins are replaced by the user flag, as PostGraphile does');
  });

  test('the --plugins=x form is understood too', () => {
    const args = buildPostGraphileArgs({
      config: configOf(),
      pluginPath: PLUGIN,
      userArgs: ['--watch', '--plugins=x,y'],
    });
    assert.deepEqual(args.slice(0, 2), ['--plugins', `${PLUGIN},x,y`]);
    assert.ok(!args.some((a) => a.startsWith('--plugins=')));
    assert.equal(args[args.length - 1], '--watch');
  });

  test('rc plugins are merged when the user gave none (array form)', () => {
    const args = buildPostGraphileArgs({ config: configOf(), pluginPath: PLUGIN, rcPlugins: ['p1', 'p2', 3] });
    assert.deepEqual(args.slice(0, 2), ['--plugins', `${PLUGIN},p1,p2`]);
  });

  test('rc plugins are merged when the user gave none (comma string form)', () => {
    const args = buildPostGraphileArgs({ config: configOf(), pluginPath: PLUGIN, rcPlugins: ' p1 , p2 ,' });
    assert.deepEqual(args.slice(0, 2), ['--plugins', `${PLUGIN},p1,p2`]);
  });

  test('plugins are deduplicated, ours first', () => {
    const fromUser = buildPostGraphileArgs({
      config: configOf(),
      pluginPath: PLUGIN,
      userArgs: ['--plugins', `a,${PLUGIN},a`],
    });
    assert.equal(fromUser[1], `${PLUGIN},a`);
    const fromRc = buildPostGraphileArgs({ config: configOf(), pluginPath: PLUGIN, rcPlugins: [PLUGIN, 'b', 'b'] });
    assert.equal(fromRc[1], `${PLUGIN},b`);
  });
});

describe('buildPostGraphileArgs: the list', () => {
  test('no --jwt-* flag and no key: the plugin verifies every token, and run need not wait for the keys', () => {
    for (const flags of [{}, { tokenUse: 'id', clientId: 'c1' }, { kid: 'k2' }, { roleClaim: 'a,b' }]) {
      const args = buildPostGraphileArgs({ config: configOf(flags), pluginPath: PLUGIN });
      assert.ok(!args.some((a) => a.startsWith('--jwt-')), JSON.stringify(args));
      assert.ok(!args.some((a) => a.includes('BEGIN PUBLIC KEY')), 'a PEM in the list');
      assert.deepEqual(args, ['--plugins', PLUGIN, ...pluginFlags(configOf(flags))]);
    }
  });

  test("the user's arguments come last, untouched and in order", () => {
    const userArgs = ['-c', 'postgres:///app', '--cognito-token-use', 'id', '', 'with space', '--watch'];
    const args = buildPostGraphileArgs({ config: configOf(), pluginPath: PLUGIN, userArgs });
    assert.deepEqual(args.slice(-userArgs.length), userArgs);
    // Ours come before theirs, so theirs win in PostGraphile's parser.
    assert.ok(args.indexOf('--cognito-token-use') < args.lastIndexOf('--cognito-token-use'));
    assert.equal(args.length, 2 + pluginFlags(configOf()).length + userArgs.length);
  });

  test('the plugin flags carry the whole configuration, and resolve back to the same configuration', () => {
    const config = configOf({
      clientId: 'a1,b2',
      tokenUse: 'any',
      roleClaim: 'custom:role',
      allowedRoles: 'app_user,app_admin',
      authenticatedRole: 'app_user',
      clockTolerance: '12',
      cacheDir: '/srv/jwks-cache',
      offline: 'true',
    });
    const flags = pluginFlags(config);
    assert.deepEqual(flags, [
      '--cognito-user-pool-id', POOL,
      '--cognito-endpoint', 'https://cognito-idp.eu-west-1.amazonaws.com',
      '--cognito-token-use', 'any',
      '--cognito-role-claim', 'custom:role',
      '--cognito-clock-tolerance', '12',
      '--cognito-offline', 'true',
      '--cognito-client-id', 'a1,b2',
      '--cognito-allowed-roles', 'app_user,app_admin',
      '--cognito-authenticated-role', 'app_user',
      '--cognito-token-cache', '10000',
      '--cognito-cache-dir', '/srv/jwks-cache',
    ]);
    // What the plugin parses from them is the configuration they came from.
    const parsed: Record<string, string> = {};
    for (let i = 0; i < flags.length; i += 2) {
      const key = flags[i]!.slice('--cognito-'.length).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      parsed[key] = flags[i + 1]!;
    }
    // The trusted issuers and every setting that is not only a record of how it was written.
    const { shared: _shared, ...rest } = resolveConfig({ flags: parsed }).config;
    const { shared: _given, ...expected } = config;
    assert.deepEqual(rest, expected);
    // In the argument list, after our PostGraphile flags and before the user's.
    const args = buildPostGraphileArgs({ config, pluginPath: PLUGIN, userArgs: ['-c', 'db'] });
    assert.deepEqual(args.slice(-2 - flags.length, -2), flags);
  });

  test('several pools, OpenID issuers, scopes and client roles survive the trip through the plugin flags', () => {
    const config = configOf({
      userPoolId: `${POOL},us-east-1_Other2`,
      issuer: 'https://login.example.test/realms/app',
      audience: 'account',
      clientId: 'web,m2m',
      roleClaim: 'realm_access,roles',
      allowedRoles: 'app_user,app_worker',
      scope: 'api/read',
      clientRoles: 'm2m=app_worker',
    });
    const flags = pluginFlags(config);
    const parsed: Record<string, string> = {};
    for (let i = 0; i < flags.length; i += 2) {
      parsed[flags[i]!.slice('--cognito-'.length).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = flags[i + 1]!;
    }
    assert.deepEqual(resolveConfig({ flags: parsed }).config.issuers, config.issuers);
    // Pools in two regions have no one endpoint to spell out.
    assert.ok(!flags.includes('--cognito-endpoint'), flags.join(' '));
    // Without --role-claim, pools and OpenID issuers differ: no default is spelled out for both.
    assert.ok(!pluginFlags(configOf({ issuer: 'https://login.example.test/realms/app', audience: '*' })).includes('--cognito-role-claim'));
  });

  test('defaults are spelled out too: a flag is the only way to override an env or rc value back to the default', () => {
    const flags = pluginFlags(configOf());
    const value = (flag: string) => flags[flags.indexOf(flag) + 1];
    assert.equal(value('--cognito-token-use'), 'access');
    assert.equal(value('--cognito-clock-tolerance'), '5');
    assert.equal(value('--cognito-role-claim'), 'cognito:groups');
    assert.equal(value('--cognito-offline'), 'false');
    // Except the cache folder: its default is this machine's home, and the plugin works it out itself.
    assert.ok(!flags.includes('--cognito-cache-dir'), flags.join(' '));
    assert.equal(value('--cognito-endpoint'), 'https://cognito-idp.eu-west-1.amazonaws.com');
    const local = resolveConfig({ flags: { userPoolId: 'local_abc', endpoint: 'http://127.0.0.1:9229/' } }).config;
    const localFlags = pluginFlags(local);
    assert.equal(localFlags[localFlags.indexOf('--cognito-endpoint') + 1], 'http://127.0.0.1:9229');
  });
});

/** Runs the quoted line through a real POSIX shell and returns the words it sees. */
function shellWords(line: string): string[] {
  const out = execFileSync('sh', ['-c', `set -- ${line}; for a in "$@"; do printf '%s\\0' "$a"; done`], {
    encoding: 'utf8',
    env: { ...process.env, HOME: '/home/should-not-appear' },
  });
  assert.ok(out === '' || out.endsWith('\0'), 'output ends with NUL');
  return out === '' ? [] : out.slice(0, -1).split('\0');
}

describe('shellQuote and shellLine', () => {
  test('safe words stay bare; everything else is single-quoted', () => {
    assert.equal(shellQuote('--jwt-role'), '--jwt-role');
    assert.equal(shellQuote('cognito:groups,0'), 'cognito:groups,0');
    assert.equal(shellQuote('/a/b.js'), '/a/b.js');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
  });

  test('a tricky list round-trips exactly through sh', () => {
    // What a PEM looks like: several lines.
    const pem = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n';
    const tricky = [
      '',
      'plain',
      'two words',
      '  leading and trailing  ',
      "it's",
      "'",
      "''",
      '"double"',
      'line1\nline2\n',
      pem,
      '$HOME',
      '${HOME}',
      '`id`',
      '$(echo injected)',
      '*',
      '?',
      '[a]',
      '~',
      '~/x',
      '{a,b}',
      '#not a comment',
      'a;b',
      'a&&b',
      'a|b',
      '<in',
      '>out',
      '\\',
      'back\\slash',
      'tab\there',
      '!',
      '-n',
      '--plugins=x',
      'ünïcödé ✓',
      '=x',
      'a=b',
    ];
    assert.deepEqual(shellWords(shellLine(tricky)), tricky);
  });

  test('the full PostGraphile argument list round-trips through sh', () => {
    const args = buildPostGraphileArgs({
      config: configOf({ tokenUse: 'id', clientId: 'c1,c2' }),
      pluginPath: '/path with space/plugin.js',
      userArgs: ['-c', "postgres://u:p'w@h/db", '--watch'],
    });
    assert.deepEqual(shellWords(shellLine(args)), args);
  });

  test('each word is quoted on its own', () => {
    for (const word of ['', 'x y', '$HOME', "'", 'a\nb', '*']) {
      assert.deepEqual(shellWords(shellQuote(word)), [word]);
    }
  });
});

describe('what a failed args prints', () => {
  test('one word PostGraphile refuses, as a line, or with --json before -- as a JSON list of it', () => {
    assert.equal(argsFailureOutput(['--user-pool-id', POOL, '--', '-c', 'db']), `${ARGS_FAILED}\n`);
    assert.deepEqual(JSON.parse(argsFailureOutput(['--json', '--user-pool-id', POOL])), [ARGS_FAILED]);
    // --json after -- is PostGraphile's, not ours.
    assert.equal(argsFailureOutput(['--', '--json']), `${ARGS_FAILED}\n`);
    assert.match(ARGS_FAILED, /^--[a-z-]+$/, 'an option, so PostGraphile takes it as one and refuses it');
  });
});
