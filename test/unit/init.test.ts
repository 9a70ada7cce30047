import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadRcFile, RawSettings, resolveConfig } from '../../src/config';
import { ConfigError, UsageError } from '../../src/errors';
import { pathToFileURL } from 'node:url';
import { cognitoSection, GRAPHILE_CONFIG_FILE, init, InitInput, optionsFromPostGraphileArgs, rcOptions, renderEcosystemFile, renderGraphileConfig, renderRcFile, renderSchemaSql, v5SettingsFromArgs } from '../../src/init';
import { settingNameForClaim } from '../../src/claims';
import { graphileConfigIn } from '../../src/launch';
import { codeBlock } from '../helpers/docs';
import { tempDirs } from '../helpers/temp';
import { v5ProjectFolder } from '../helpers/v5';

const POOL = 'eu-west-1_AbCdEf123';
const temp = tempDirs('pgc-init-unit-');
const tempDir = temp.make;
after(temp.removeAll);
const v5Dirs: string[] = [];
/** A folder inside the v5 fixture project: locatePostGraphile finds PostGraphile 5 from there. */
function v5Dir(): string {
  const dir = v5ProjectFolder('init-unit-');
  v5Dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of v5Dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Loads a file's text as Node would `require` it, from `dir` (fresh each time). */
function evaluate(text: string, dir = tempDir(), name = 'file.js'): Record<string, unknown> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  delete require.cache[file];
  return require(file) as Record<string, unknown>;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

function usageError(fn: () => unknown, ...patterns: RegExp[]): UsageError {
  const error = thrown(fn);
  assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
  assert.equal(error.exitCode, 2);
  for (const pattern of patterns) assert.match(`${error.message}\n${error.hint}`, pattern);
  return error;
}

function input(dir: string, over: Partial<InitInput> = {}): InitInput {
  return { dir, flags: { userPoolId: POOL, clientId: '1example23456789', allowedRoles: 'app_user' }, postgraphileArgs: [], pm2: false, instances: null, force: false, ...over };
}

describe('optionsFromPostGraphileArgs', () => {
  test("maps short and long flags to PostGraphile's rc option names and value shapes", () => {
    const options = optionsFromPostGraphileArgs([
      '-c', 'postgres:///app', '-s', 'app_public,app_private', '-p', '5001', '-n', '0.0.0.0', '--default-role', 'app_anonymous',
      '--watch', '-j', '--enhance-graphiql', '--cors', '--no-ignore-rbac', '-N', '--extended-errors', 'hint,detail', '--timeout=3000',
      '--plugins', '@graphile/pg-pubsub,./mine.js',
    ]);
    assert.deepEqual(Object.fromEntries(options), {
      connection: 'postgres:///app',
      schema: ['app_public', 'app_private'],
      port: 5001,
      host: '0.0.0.0',
      defaultRole: 'app_anonymous',
      watch: true,
      dynamicJson: true,
      enhanceGraphiql: true,
      cors: true,
      ignoreRbac: false,
      setofFunctionsContainNulls: false,
      extendedErrors: ['hint', 'detail'],
      timeout: 3000,
      plugins: ['@graphile/pg-pubsub', './mine.js'],
    });
  });

  test('--show-error-stack takes json or string as PostGraphile does, or nothing', () => {
    assert.equal(optionsFromPostGraphileArgs(['--show-error-stack', 'json']).get('showErrorStack'), 'json');
    assert.equal(optionsFromPostGraphileArgs(['--show-error-stack', 'string']).get('showErrorStack'), true);
    assert.deepEqual(Object.fromEntries(optionsFromPostGraphileArgs(['--show-error-stack', '--watch'])), { showErrorStack: true, watch: true });
  });

  test('a repeated flag keeps its last value', () => {
    assert.equal(optionsFromPostGraphileArgs(['-p', '1', '--port', '2']).get('port'), 2);
  });

  test('refuses every argument it cannot map, by name, instead of dropping it', () => {
    usageError(() => optionsFromPostGraphileArgs(['--watch', '--legacy-relations', 'omit', '-jw']), /--legacy-relations omit -jw/, /by hand/);
    usageError(() => optionsFromPostGraphileArgs(['stray']), /stray/);
  });

  test("refuses PostGraphile's JWT flags: the plugin verifies tokens itself", () => {
    usageError(() => optionsFromPostGraphileArgs(['--jwt-secret', 'x']), /--jwt-secret/, /the plugin verifies tokens/);
    usageError(() => optionsFromPostGraphileArgs(['-A', '']), /-A/, /the plugin verifies tokens/);
  });

  test('a missing or malformed value is a usage error naming the flag', () => {
    usageError(() => optionsFromPostGraphileArgs(['--default-role']), /--default-role needs a value/);
    usageError(() => optionsFromPostGraphileArgs(['-c', '--watch']), /--connection needs a value/);
    usageError(() => optionsFromPostGraphileArgs(['-p', 'five']), /--port needs a number, not "five"/);
    usageError(() => optionsFromPostGraphileArgs(['--watch=yes']), /--watch takes no value/);
  });
});

describe('renderRcFile', () => {
  test('strings are JavaScript literals: quotes, backslashes, ${}, newlines and comment ends survive, and nothing runs', () => {
    const nasty = `a"b'c\\d\${process.exit(9)}\n*/ \u2028 "); process.exit(7); ("`;
    const options = new Map<string, string | string[]>([['defaultRole', nasty], ['schema', [nasty, 'x']]]);
    const text = renderRcFile({ cognito: new Map([['authenticatedRole', nasty]]), options });
    const loaded = evaluate(text) as { options: Record<string, unknown>; cognito: Record<string, unknown> };
    assert.equal(loaded.cognito.authenticatedRole, nasty);
    assert.equal(loaded.options.defaultRole, nasty);
    assert.deepEqual(loaded.options.schema, [nasty, 'x']);
  });

  test('without -c the connection is process.env.DATABASE_URL, read when the file is loaded', () => {
    const text = renderRcFile({ cognito: new Map(), options: rcOptions(new Map()) });
    assert.match(text, /connection: process\.env\.DATABASE_URL,/);
    const before = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres:///from-env';
    try {
      assert.equal((evaluate(text).options as Record<string, unknown>).connection, 'postgres:///from-env');
    } finally {
      if (before === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = before;
    }
  });

  test('a given connection string is written as given', () => {
    const options = rcOptions(new Map([['connection', 'postgres://u:p@h/db']]));
    assert.deepEqual([...options], [['connection', 'postgres://u:p@h/db']]);
  });
});

describe('cognitoSection', () => {
  const section = (flags: RawSettings) => Object.fromEntries(cognitoSection(flags, resolveConfig({ flags }).config));

  test('only the settings given, plus tokenUse; lists as arrays, the clock tolerance as a number', () => {
    assert.deepEqual(section({ userPoolId: POOL }), { userPoolId: POOL, tokenUse: 'access' });
    assert.deepEqual(
      section({ userPoolId: POOL, clientId: 'c1, c2', allowedRoles: 'app_user,app_admin', clockTolerance: '10', tokenUse: 'ID', roleClaim: 'custom:role' }),
      { userPoolId: POOL, clientId: ['c1', 'c2'], tokenUse: 'id', roleClaim: 'custom:role', allowedRoles: ['app_user', 'app_admin'], clockTolerance: 10 },
    );
    assert.deepEqual(section({ userPoolId: 'local_Ab1', endpoint: 'http://127.0.0.1:9229/', region: 'eu-west-1', kid: 'k1' }), {
      userPoolId: 'local_Ab1', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9229', tokenUse: 'access', kid: 'k1',
    });
  });
});

describe('renderEcosystemFile', () => {
  type App = { name: string; cwd: string; script: string; args: string[]; exec_mode: string; instances: number; kill_timeout: number };
  const app = (text: string, dir: string) => (evaluate(text, dir, 'ecosystem.config.js') as { apps: App[] }).apps[0]!;

  test('fork mode by default: runs node_modules/.bin/postgraphile-cognito run from its own folder', () => {
    const dir = tempDir();
    const text = renderEcosystemFile({ instances: null });
    assert.deepEqual(app(text, dir), {
      name: 'postgraphile-cognito', cwd: dir, script: 'node_modules/.bin/postgraphile-cognito', args: ['run'], exec_mode: 'fork', instances: 1, kill_timeout: 5000,
    });
    // The cluster variant is there, commented.
    assert.match(text, /\/\/ exec_mode: "cluster",\n\s+\/\/ instances: 2,/);
  });

  test('with instances: cluster mode with that many', () => {
    const loaded = app(renderEcosystemFile({ instances: 2 }), tempDir());
    assert.equal(loaded.exec_mode, 'cluster');
    assert.equal(loaded.instances, 2);
  });
});

describe('init: the files on disk', () => {
  test('writes a .postgraphilerc.js that our loader reads back to the same configuration', () => {
    const dir = tempDir();
    const flags: RawSettings = { userPoolId: POOL, clientId: 'c1,c2', allowedRoles: 'app_user', authenticatedRole: 'app_user', roleClaim: 'cognito:groups' };
    const result = init(input(dir, { flags, postgraphileArgs: ['-p', '5001', '--default-role', 'app_anonymous'] }));
    assert.deepEqual(result.written, ['.postgraphilerc.js']);
    assert.equal(result.connectionFromEnv, true);
    assert.ok(!fs.existsSync(path.join(dir, 'ecosystem.config.js')));
    const rc = loadRcFile(dir)!;
    assert.equal(rc.filepath, path.join(dir, '.postgraphilerc.js'));
    assert.equal(rc.options.port, 5001);
    assert.equal(rc.options.defaultRole, 'app_anonymous');
    assert.deepEqual(resolveConfig({ rc }).config, resolveConfig({ flags }).config);
    assert.deepEqual(fs.readdirSync(dir), ['.postgraphilerc.js'], 'temp files left behind');
  });

  test('--pm2 writes ecosystem.config.js too', () => {
    const dir = tempDir();
    const result = init(input(dir, { pm2: true, instances: 2 }));
    assert.deepEqual(result.written, ['.postgraphilerc.js', 'ecosystem.config.js']);
    assert.match(fs.readFileSync(path.join(dir, 'ecosystem.config.js'), 'utf8'), /exec_mode: "cluster",\n\s+instances: 2,/);
    assert.ok(result.warnings.some((w) => /npm install postgraphile-cognito/.test(w)), 'no word about the missing node_modules/.bin');
  });

  test('--pm2 in a clone of postgraphile-cognito runs its bin/, which is there, with no word about npm install', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'postgraphile-cognito', version: '0.1.0' }));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'postgraphile-cognito.js'), '');
    const result = init(input(dir, { pm2: true }));
    const ecosystem = require(path.join(dir, 'ecosystem.config.js')) as { apps: { script: string; cwd: string }[] };
    assert.equal(ecosystem.apps[0]!.script, 'bin/postgraphile-cognito.js');
    assert.ok(fs.existsSync(path.join(ecosystem.apps[0]!.cwd, ecosystem.apps[0]!.script)));
    assert.ok(!result.warnings.some((w) => /npm install postgraphile-cognito/.test(w)), result.warnings.join('\n'));
    assert.ok(result.summary.some((line) => /running bin\/postgraphile-cognito\.js run/.test(line)), result.summary.join('\n'));
  });

  test('refuses to overwrite either file without --force, and then writes neither', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'ecosystem.config.js'), 'mine');
    usageError(() => init(input(dir, { pm2: true })), /ecosystem\.config\.js already exists/, /nothing was written/, /--force/);
    assert.deepEqual(fs.readdirSync(dir), ['ecosystem.config.js']);
    assert.equal(fs.readFileSync(path.join(dir, 'ecosystem.config.js'), 'utf8'), 'mine');

    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), 'module.exports = {};');
    usageError(() => init(input(dir, { pm2: true })), /\.postgraphilerc\.js and ecosystem\.config\.js already exist/);
    usageError(() => init(input(dir)), /\.postgraphilerc\.js already exists/);
    assert.equal(fs.readFileSync(path.join(dir, '.postgraphilerc.js'), 'utf8'), 'module.exports = {};');

    init(input(dir, { pm2: true, force: true }));
    assert.match(fs.readFileSync(path.join(dir, 'ecosystem.config.js'), 'utf8'), /postgraphile-cognito/);
    assert.equal(loadRcFile(dir)!.cognito.userPoolId, POOL);
  });

  test('an rc file PostGraphile reads first is refused even with --force; a .json one it would replace needs --force', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc'), 'module.exports = {};');
    usageError(() => init(input(dir, { force: true })), /PostGraphile would read it instead/);
    assert.deepEqual(fs.readdirSync(dir), ['.postgraphilerc']);

    const other = tempDir();
    fs.writeFileSync(path.join(other, '.postgraphilerc.json'), '{}');
    usageError(() => init(input(other)), /\.postgraphilerc\.json already exists/);
    const result = init(input(other, { force: true }));
    assert.ok(result.warnings.some((w) => /\.postgraphilerc\.json is no longer read/.test(w)));
  });

  test('in a "type": "module" package: .postgraphilerc and ecosystem.config.cjs, which Node loads as CommonJS there', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), 'export default {};');
    usageError(() => init(input(dir, { pm2: true })), /\.postgraphilerc\.js already exists/, /--force/);
    const result = init(input(dir, { pm2: true, force: true }));
    assert.deepEqual(result.written, ['.postgraphilerc', 'ecosystem.config.cjs']);
    assert.ok(result.warnings.some((w) => /\.postgraphilerc\.js is no longer read/.test(w)));
    assert.equal(loadRcFile(dir)!.filepath, path.join(dir, '.postgraphilerc'));
    assert.equal(loadRcFile(dir)!.cognito.userPoolId, POOL);
    const ecosystem = fs.readFileSync(path.join(dir, 'ecosystem.config.cjs'), 'utf8');
    assert.match(ecosystem, /pm2 start ecosystem\.config\.cjs/);
    assert.match(ecosystem, /configuration is in \.postgraphilerc next to/);
    // A child Node, as PostGraphile and pm2 load them: require() in the module package.
    const loaded = execFileSync(process.execPath, ['-e', 'console.log(JSON.stringify([require("./.postgraphilerc").cognito.userPoolId, require("./ecosystem.config.cjs").apps[0].script]))'], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(loaded), [POOL, 'node_modules/.bin/postgraphile-cognito']);
  });

  test('a connection string with a password makes the file readable by its owner only, and says so', () => {
    const dir = tempDir();
    const result = init(input(dir, { postgraphileArgs: ['-c', 'postgres://app:s3cret@db/app'] }));
    assert.equal(fs.statSync(path.join(dir, '.postgraphilerc.js')).mode & 0o777, 0o600);
    assert.equal(result.connectionFromEnv, false);
    assert.ok(result.warnings.some((w) => /password/.test(w)));
    const plain = tempDir();
    init(input(plain, { postgraphileArgs: ['-c', 'postgres:///app'] }));
    assert.equal(fs.statSync(path.join(plain, '.postgraphilerc.js')).mode & 0o077, 0o044 & ~process.umask());
  });

  test('bad input writes nothing: no pool id, --instances without --pm2, an invalid setting, an unmapped flag', () => {
    const dir = tempDir();
    usageError(() => init(input(dir, { flags: {} })), /init needs --user-pool-id/);
    usageError(() => init(input(dir, { instances: 2 })), /--instances/, /add --pm2/);
    assert.ok(thrown(() => init(input(dir, { flags: { userPoolId: POOL, tokenUse: 'both' } }))) instanceof ConfigError);
    usageError(() => init(input(dir, { postgraphileArgs: ['--nope'] })), /--nope/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test("without the security choices it writes nothing: the file would make run refuse to start", () => {
    const dir = tempDir();
    const error = thrown(() => init(input(dir, { flags: { userPoolId: POOL } })));
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /no choice made for the app client/);
    assert.match(error.hint ?? '', /--client-id '\*'/);
    assert.deepEqual(fs.readdirSync(dir), []);
    // Waived explicitly, the choice is written down as made.
    init(input(dir, { flags: { userPoolId: POOL, clientId: '*', roleClaim: 'none' } }));
    assert.deepEqual(loadRcFile(dir)!.cognito, { userPoolId: POOL, clientId: '*', tokenUse: 'access', roleClaim: 'none' });
  });

  test('a folder that is not there: a usage error, no temp files', () => {
    const dir = path.join(tempDir(), 'missing');
    usageError(() => init(input(dir)), /cannot write \.postgraphilerc\.js/, /ENOENT/);
  });
});

describe('init --sql: schema.sql', () => {
  const base = { loginRole: 'app_login', anonymousRole: 'app_anonymous', authenticatedRole: 'app_user', allowedRoles: ['app_admin'], schema: 'public' };

  test('the policy reads the setting run sets for the sub claim, and every role is granted to the login role', () => {
    const sql = renderSchemaSql(base);
    assert.ok(sql.includes(`current_setting('${settingNameForClaim('sub')}', true)`));
    assert.match(sql, /grant app_anonymous, app_user, app_admin to app_login;/);
    assert.match(sql, /create policy note_own on public\.note for all to app_user, app_admin\n/);
    assert.doesNotMatch(sql, /create schema/);
  });

  test('another schema is created; a role given twice is created once; the anonymous role gets no policy', () => {
    const sql = renderSchemaSql({ ...base, allowedRoles: ['app_user', 'app_anonymous'], schema: 'app_public' });
    assert.match(sql, /create schema if not exists app_public;/);
    assert.equal(sql.match(/create role app_user nologin/g)?.length, 1);
    assert.match(sql, /for all to app_user\n/);
  });

  test('names that are not plain are refused, before anything is written', () => {
    assert.ok(thrown(() => renderSchemaSql({ ...base, allowedRoles: ["x'; drop table y; --"] })) instanceof UsageError);
    assert.ok(thrown(() => renderSchemaSql({ ...base, schema: 'a b' })) instanceof UsageError);
    assert.ok(thrown(() => renderSchemaSql({ ...base, allowedRoles: ['app_login'] })) instanceof UsageError);
  });

  test('init --sql writes the rc file with the roles it creates, and nothing when a name is refused', () => {
    const dir = tempDir();
    const result = init({ dir, flags: { userPoolId: POOL, clientId: 'client1', allowedRoles: 'app_admin' }, postgraphileArgs: [], pm2: false, instances: null, sql: true, force: false });
    assert.deepEqual(result.written, ['.postgraphilerc.js', 'schema.sql']);
    const rc = evaluate(fs.readFileSync(path.join(dir, '.postgraphilerc.js'), 'utf8'), dir, 'rc-copy.js') as { options: Record<string, unknown>; cognito: Record<string, unknown> };
    assert.equal(rc.cognito.anonymousRole, 'app_anonymous');
    assert.equal(rc.cognito.authenticatedRole, 'app_user');
    assert.match(fs.readFileSync(path.join(dir, 'schema.sql'), 'utf8'), /grant app_anonymous, app_user, app_admin to app_login;/);
    const refused = tempDir();
    assert.ok(thrown(() => init({ dir: refused, flags: { userPoolId: POOL, clientId: 'client1', allowedRoles: 'bad-name' }, postgraphileArgs: [], pm2: false, instances: null, sql: true, force: false })) instanceof UsageError);
    assert.deepEqual(fs.readdirSync(refused), []);
  });
});

describe('the quick start SQL', () => {
  test('examples/quickstart/schema.sql is exactly what init --sql writes for the README quick start: one source', () => {
    const expected = renderSchemaSql({ loginRole: 'app_login', anonymousRole: 'app_anonymous', authenticatedRole: 'app_user', allowedRoles: ['app_user'], schema: 'public' });
    assert.equal(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'quickstart', 'schema.sql'), 'utf8'), expected);
  });
});

describe('v5SettingsFromArgs: the v5 CLI flags, where its CLI puts them', () => {
  test('every flag it maps, short and long', () => {
    assert.deepEqual(
      v5SettingsFromArgs(['-c', 'postgres:///app', '-S', 'postgres:///su', '-s', 'app_public,app_private', '-p', '5001', '-n', '0.0.0.0', '--subscriptions', '-e', '-w']),
      { connection: 'postgres:///app', superuserConnection: 'postgres:///su', schemas: ['app_public', 'app_private'], port: 5001, host: '0.0.0.0', subscriptions: true, explain: true, watch: true },
    );
    assert.deepEqual(
      v5SettingsFromArgs(['--connection=postgres:///b', '--schema', 'a', '--port=80', '--host', 'h', '--allow-explain', '--watch', '--superuser-connection', 'postgres:///c']),
      { connection: 'postgres:///b', superuserConnection: 'postgres:///c', schemas: ['a'], port: 80, host: 'h', subscriptions: false, explain: true, watch: true },
    );
  });

  test('defaults: DATABASE_URL read at start-up, the public schema, nothing else', () => {
    assert.deepEqual(v5SettingsFromArgs([]), { connection: { env: 'DATABASE_URL' }, superuserConnection: null, schemas: ['public'], port: null, host: null, subscriptions: false, explain: false, watch: false });
  });

  test('v4 flags are refused by name, with what to do on v5 instead', () => {
    usageError(() => v5SettingsFromArgs(['--default-role', 'app_anonymous']), /into graphile\.config\.mjs: --default-role app_anonymous$/m, /v5 has no --default-role: give --anonymous-role/);
    usageError(() => v5SettingsFromArgs(['--jwt-secret', 'x', '-s', 'a']), /--jwt-secret x/, /no JWT flags, and none are needed/);
    usageError(() => v5SettingsFromArgs(['-P', 'postgraphile/presets/amber']), /-P postgraphile\/presets\/amber/, /add other presets to its extends by hand/);
    usageError(() => v5SettingsFromArgs(['-C', 'other.config.mjs']), /-C other\.config\.mjs/, /reads graphile\.config\.mjs in this folder without -C/);
    usageError(() => v5SettingsFromArgs(['--cors', '-j', '-p', '5000']), /these PostGraphile v5 arguments into graphile\.config\.mjs: --cors -j$/m, /init maps v5's own flags \(-c\/--connection, .*-w\/--watch\)/);
    usageError(() => v5SettingsFromArgs(['stray']), /stray/, /init maps v5's own flags/);
  });

  test('a bad value is a usage error naming the flag', () => {
    usageError(() => v5SettingsFromArgs(['-p', 'five']), /--port needs a number, not "five"/);
    usageError(() => v5SettingsFromArgs(['-c']), /--connection needs a value/);
    usageError(() => v5SettingsFromArgs(['--watch=yes']), /--watch takes no value/);
    usageError(() => v5SettingsFromArgs(['-s', ',']), /--schema needs a schema name/);
  });
});

describe('renderGraphileConfig', () => {
  const IMPORTS = [
    'import { PostGraphileAmberPreset } from "postgraphile/presets/amber";',
    'import { makePgService } from "postgraphile/adaptors/pg";',
    'import { makeCognitoPreset } from "postgraphile-cognito";',
  ];
  /**
   * The file's default export, evaluated by Node with its three imports
   * swapped for stand-ins that return what they were given: what the file
   * hands to each (the end-to-end test loads it with the real ones).
   */
  async function exported(text: string): Promise<Record<string, unknown>> {
    for (const line of IMPORTS) assert.ok(text.includes(`\n${line}\n`), `missing: ${line}`);
    const standIns = text
      .replace(IMPORTS[0]!, 'const PostGraphileAmberPreset = "amber";')
      .replace(IMPORTS[1]!, 'const makePgService = (options) => ({ makePgService: options });')
      .replace(IMPORTS[2]!, 'const makeCognitoPreset = (settings) => ({ makeCognitoPreset: settings });');
    const file = path.join(tempDir(), 'graphile.config.mjs');
    fs.writeFileSync(file, standIns);
    return ((await import(pathToFileURL(file).href)) as { default: Record<string, unknown> }).default;
  }
  const cognito = new Map<import('../../src/config').SettingKey, string | string[]>([['userPoolId', POOL], ['clientId', ['c1']], ['allowedRoles', ['app_user']], ['anonymousRole', 'app_anonymous']]);

  test('extends amber and makeCognitoPreset with the settings; each v5 flag where v5 puts it', async () => {
    const v5 = v5SettingsFromArgs(['-c', 'postgres:///app', '-s', 'app_public', '-p', '5001', '-n', '127.0.0.1', '--subscriptions', '-e', '-w']);
    assert.deepEqual(await exported(renderGraphileConfig({ cognito, v5 })), {
      extends: ['amber', { makeCognitoPreset: { userPoolId: POOL, clientId: ['c1'], allowedRoles: ['app_user'], anonymousRole: 'app_anonymous' } }],
      pgServices: [{ makePgService: { connectionString: 'postgres:///app', schemas: ['app_public'], pubsub: true } }],
      grafserv: { port: 5001, host: '127.0.0.1', websockets: true, watch: true },
      grafast: { explain: true },
    });
  });

  test('by default: process.env.DATABASE_URL, read when the file is loaded; public; no grafserv or grafast', async () => {
    const text = renderGraphileConfig({ cognito, v5: v5SettingsFromArgs([]) });
    assert.match(text, /connectionString: process\.env\.DATABASE_URL,/);
    assert.match(text, /read from DATABASE_URL as the server starts/);
    const before = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres:///from-env';
    try {
      const config = await exported(text);
      assert.deepEqual(config.pgServices, [{ makePgService: { connectionString: 'postgres:///from-env', schemas: ['public'] } }]);
      assert.deepEqual(Object.keys(config), ['extends', 'pgServices']);
    } finally {
      if (before === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = before;
    }
  });

  test('strings are JavaScript literals: nothing in a value runs', async () => {
    const nasty = `a"b'c\\d\${process.exit(9)}\n*/ \u2028 "); process.exit(7); ("`;
    const config = await exported(renderGraphileConfig({ cognito: new Map([['authenticatedRole', nasty]]), v5: v5SettingsFromArgs(['-c', nasty, '-s', nasty, '-n', nasty]) }));
    assert.deepEqual((config.extends as unknown[])[1], { makeCognitoPreset: { authenticatedRole: nasty } });
    assert.deepEqual(config.pgServices, [{ makePgService: { connectionString: nasty, schemas: [nasty] } }]);
    assert.deepEqual(config.grafserv, { host: nasty });
  });
});

describe('init in a PostGraphile v5 project', () => {
  const flags: RawSettings = { userPoolId: POOL, clientId: 'c1', allowedRoles: 'app_user,app_admin', anonymousRole: 'app_anonymous' };

  test('writes graphile.config.mjs, not .postgraphilerc.js; --pm2 an ecosystem file that names it and says how pm2 picks its Node', () => {
    const dir = v5Dir();
    const result = init(input(dir, { flags, pm2: true, postgraphileArgs: ['-s', 'app_public', '-p', '5000'] }));
    assert.deepEqual(result.written, [GRAPHILE_CONFIG_FILE, 'ecosystem.config.js']);
    assert.equal(result.postgraphileMajor, 5);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['ecosystem.config.js', GRAPHILE_CONFIG_FILE]);
    assert.match(result.summary[0]!, /^graphile\.config\.mjs: makeCognitoPreset\(\{ userPoolId, clientId, tokenUse, allowedRoles, anonymousRole \}\), pgServices \[\{ connectionString, schemas \}\], grafserv \{ port \}; the connection string is read from DATABASE_URL/);
    const config = fs.readFileSync(path.join(dir, GRAPHILE_CONFIG_FILE), 'utf8');
    assert.match(config, /makeCognitoPreset\(\{\n\s+userPoolId: "eu-west-1_AbCdEf123",\n\s+clientId: \["c1"\],\n\s+tokenUse: "access",\n\s+allowedRoles: \["app_user", "app_admin"\],\n\s+anonymousRole: "app_anonymous",\n\s+\}\)/);
    assert.equal(fs.statSync(path.join(dir, GRAPHILE_CONFIG_FILE)).mode & 0o077, 0o044 & ~process.umask());
    const ecosystem = fs.readFileSync(path.join(dir, 'ecosystem.config.js'), 'utf8');
    assert.match(ecosystem, /The configuration is in graphile\.config\.mjs next to this file/);
    assert.match(ecosystem, /PostGraphile v5 needs Node\.js 22 or newer, and pm2 runs the app on its own Node: in fork mode the\n\/\/ Node that runs `pm2 start`, in cluster mode the Node of pm2's daemon/);
    assert.match(ecosystem, /\/\/ interpreter: "/, 'fork mode shows how to name a Node of its own');
    assert.doesNotMatch(renderEcosystemFile({ instances: 2, major: 5 }), /interpreter/, 'cluster mode ignores interpreter');
    assert.doesNotMatch(renderEcosystemFile({ instances: null }), /Node\.js 22|interpreter/);
    // Loaded as pm2 loads it, by require().
    const loaded = execFileSync(process.execPath, ['-e', 'const [a] = require("./ecosystem.config.js").apps; console.log(JSON.stringify([a.script, a.args, a.cwd, a.exec_mode, a.interpreter]))'], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(loaded), ['node_modules/.bin/postgraphile-cognito', ['run'], dir, 'fork', null]);
  });

  test('notes: no anonymous role, and a folder without postgraphile-cognito installed', () => {
    const result = init(input(v5Dir()));
    assert.ok(result.warnings.some((w) => /no --anonymous-role: requests without a token will run as the connecting role/.test(w)), result.warnings.join('\n'));
    assert.ok(result.warnings.some((w) => /^graphile\.config\.mjs imports postgraphile-cognito, which this folder lacks: run npm install postgraphile-cognito here$/.test(w)), result.warnings.join('\n'));
  });

  test('a graphile.config.* that v5 reads first is refused even with --force; one it would hide needs --force', () => {
    for (const name of ['graphile.config.js', 'graphile.config.cjs']) {
      const dir = v5Dir();
      fs.writeFileSync(path.join(dir, name), 'module.exports = {};');
      usageError(() => init(input(dir, { flags, force: true })), new RegExp(`${name.replace(/\./g, '\\.')} exists, and PostGraphile v5 would read it instead of graphile\\.config\\.mjs; nothing was written`), /merge it into graphile\.config\.mjs by hand/);
      assert.deepEqual(fs.readdirSync(dir), [name]);
    }
    const dir = v5Dir();
    fs.writeFileSync(path.join(dir, 'graphile.config.ts'), 'export default {};');
    usageError(() => init(input(dir, { flags, pm2: true })), /graphile\.config\.ts already exists/, /--force/);
    assert.deepEqual(fs.readdirSync(dir), ['graphile.config.ts']);
    const result = init(input(dir, { flags, force: true }));
    assert.ok(result.warnings.some((w) => /graphile\.config\.ts is no longer read: graphile\.config\.mjs takes its place/.test(w)));
  });

  test('never replaces its own file without --force', () => {
    const dir = v5Dir();
    fs.writeFileSync(path.join(dir, GRAPHILE_CONFIG_FILE), '// mine\n');
    usageError(() => init(input(dir, { flags, pm2: true })), /graphile\.config\.mjs already exists/, /nothing was written/);
    assert.deepEqual(fs.readdirSync(dir), [GRAPHILE_CONFIG_FILE]);
    init(input(dir, { flags, force: true }));
    assert.match(fs.readFileSync(path.join(dir, GRAPHILE_CONFIG_FILE), 'utf8'), /makeCognitoPreset/);
  });

  test('a connection string with a password: readable by its owner only, and a warning; so is a superuser one', () => {
    for (const args of [['-c', 'postgres://app:s3cret@db/app'], ['-S', 'postgres://su:s3cret@db/app']]) {
      const dir = v5Dir();
      const result = init(input(dir, { flags, postgraphileArgs: args }));
      assert.equal(fs.statSync(path.join(dir, GRAPHILE_CONFIG_FILE)).mode & 0o777, 0o600);
      assert.ok(result.warnings.some((w) => /graphile\.config\.mjs holds the connection string with its password/.test(w)));
    }
  });

  test('without the security choices, or with a v4 flag, nothing is written', () => {
    const dir = v5Dir();
    assert.ok(thrown(() => init(input(dir, { flags: { userPoolId: POOL } }))) instanceof ConfigError);
    usageError(() => init(input(dir, { flags, postgraphileArgs: ['--default-role', 'x'] })), /--anonymous-role/);
    usageError(() => init(input(dir, { flags, postgraphileArgs: ['-j'] })), /into graphile\.config\.mjs: -j/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('--sql: the anonymous role is the config’s anonymousRole (default app_anonymous), the table goes in the first schema', () => {
    const dir = v5Dir();
    const result = init(input(dir, { flags: { userPoolId: POOL, clientId: 'c1', allowedRoles: 'app_admin' }, sql: true, postgraphileArgs: ['-s', 'app_public,other'] }));
    assert.deepEqual(result.written, [GRAPHILE_CONFIG_FILE, 'schema.sql']);
    const config = fs.readFileSync(path.join(dir, GRAPHILE_CONFIG_FILE), 'utf8');
    assert.match(config, /anonymousRole: "app_anonymous",/);
    assert.match(config, /authenticatedRole: "app_user",/);
    const sql = fs.readFileSync(path.join(dir, 'schema.sql'), 'utf8');
    assert.match(sql, /grant app_anonymous, app_user, app_admin to app_login;/);
    assert.match(sql, /create table if not exists app_public\.note/);
    const named = v5Dir();
    init(input(named, { flags: { ...flags, anonymousRole: 'web_anon' }, sql: true }));
    assert.match(fs.readFileSync(path.join(named, 'schema.sql'), 'utf8'), /grant web_anon, app_user, app_admin to app_login;/);
  });
});

describe('the v5 example in docs/commands.md', () => {
  test('is what init writes for its command, below the comment lines: one source', () => {
    const dir = v5Dir();
    const flags = { userPoolId: POOL, clientId: '1example23456789', allowedRoles: 'app_user,app_admin', anonymousRole: 'app_anonymous' };
    init(input(dir, { flags, postgraphileArgs: ['-s', 'app_public', '-p', '5000'] }));
    const written = fs.readFileSync(path.join(dir, GRAPHILE_CONFIG_FILE), 'utf8');
    assert.equal(written.slice(written.indexOf('import ')), codeBlock('docs/commands.md', 'import { PostGraphileAmberPreset } from "postgraphile/presets/amber";'));
  });
});

describe('graphileConfigIn: the graphile.config PostGraphile v5 reads without -C', () => {
  test("the first in graphile-config's order, not in the alphabet's", () => {
    const dir = tempDir();
    assert.equal(graphileConfigIn(dir), null);
    fs.writeFileSync(path.join(dir, 'graphile.config.ts'), '');
    fs.writeFileSync(path.join(dir, 'graphile.config.mjs'), '');
    assert.equal(graphileConfigIn(dir), path.join(dir, 'graphile.config.mjs'));
    fs.writeFileSync(path.join(dir, 'graphile.config.cjs'), '');
    fs.writeFileSync(path.join(dir, 'graphile.config.js'), '');
    assert.equal(graphileConfigIn(dir), path.join(dir, 'graphile.config.js'));
  });
});
