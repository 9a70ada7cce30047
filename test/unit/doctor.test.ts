import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveConfig } from '../../src/config/resolve';
import { check } from '../../src/doctor/check';
import type { DatabaseFacts, Probe, RoleFacts } from '../../src/doctor/database';
import { describeDatabaseError } from '../../src/doctor/database';
import { summarizeCacheHeaders } from '../../src/doctor/jwks';
import { allPassed, formatJson, formatText } from '../../src/doctor/report';
import { quoteIdent, roleChecks, rolesToCheck } from '../../src/doctor/roles';
import { flagValue, postgraphileTarget } from '../../src/doctor/target';

const RC = { filepath: '/app/.postgraphilerc.js', options: { connection: 'postgres:///fromrc', defaultRole: 'rc_role' } };

describe('doctor: what PostGraphile would connect with', () => {
  test('-c, --connection and --connection=: the last one wins, as in commander', () => {
    assert.deepEqual(flagValue(['-c', 'a'], ['-c', '--connection']), { value: 'a', source: '-c' });
    assert.deepEqual(flagValue(['--connection', 'a', '--watch'], ['-c', '--connection']), { value: 'a', source: '--connection' });
    assert.deepEqual(flagValue(['--connection=postgres://x/y?a=b'], ['-c', '--connection']), { value: 'postgres://x/y?a=b', source: '--connection' });
    assert.deepEqual(flagValue(['-c', 'a', '--schema', 'app', '-c', 'b'], ['-c', '--connection']), { value: 'b', source: '-c' });
    assert.equal(flagValue(['-c'], ['-c', '--connection']), null, 'no value after -c');
    assert.equal(flagValue(['--connectionx', 'a'], ['-c', '--connection']), null);
  });

  test('-c beats the rc file, which beats DATABASE_URL (PostGraphile v4 cli.js order)', () => {
    const env = { DATABASE_URL: 'postgres:///fromenv' };
    assert.deepEqual(postgraphileTarget(['-c', 'postgres:///flag'], RC, env).connection, { value: 'postgres:///flag', source: '-c' });
    assert.deepEqual(postgraphileTarget([], RC, env).connection, { value: 'postgres:///fromrc', source: 'options.connection in .postgraphilerc.js' });
    assert.deepEqual(postgraphileTarget([], null, env).connection, { value: 'postgres:///fromenv', source: 'DATABASE_URL' });
    assert.equal(postgraphileTarget([], null, {}).connection, null, 'none: the PG* variables');
  });

  test('an empty -c falls through to DATABASE_URL, as it is falsy to PostGraphile', () => {
    assert.deepEqual(postgraphileTarget(['-c', ''], RC, { DATABASE_URL: 'postgres:///e' }).connection, { value: 'postgres:///e', source: 'DATABASE_URL' });
  });

  test('the default role: -r / --default-role, else options.defaultRole', () => {
    assert.deepEqual(postgraphileTarget(['-r', 'anon'], RC, {}).defaultRole, { value: 'anon', source: '-r' });
    assert.deepEqual(postgraphileTarget(['--default-role=anon'], RC, {}).defaultRole, { value: 'anon', source: '--default-role' });
    assert.deepEqual(postgraphileTarget([], RC, {}).defaultRole, { value: 'rc_role', source: 'options.defaultRole in .postgraphilerc.js' });
    assert.equal(postgraphileTarget([], null, {}).defaultRole, null);
  });

  test('rc options that are not strings are ignored', () => {
    const rc = { filepath: '/a/.postgraphilerc.js', options: { connection: 42, defaultRole: ['x'] } };
    assert.deepEqual(postgraphileTarget([], rc, {}), { connection: null, defaultRole: null, schemas: ['public'] });
  });

  test('the schemas: -s (split on commas, the last flag wins), else options.schema, else public', () => {
    const rc = { filepath: '/a/.postgraphilerc.js', options: { schema: ['app', 'app_private'] } };
    assert.deepEqual(postgraphileTarget(['-s', 'a,b'], rc, {}).schemas, ['a', 'b']);
    assert.deepEqual(postgraphileTarget(['--schema', 'x', '--schema=y'], rc, {}).schemas, ['y']);
    assert.deepEqual(postgraphileTarget([], rc, {}).schemas, ['app', 'app_private']);
    assert.deepEqual(postgraphileTarget([], { ...rc, options: { schema: 'one' } }, {}).schemas, ['one']);
    assert.deepEqual(postgraphileTarget([], null, {}).schemas, ['public']);
  });
});

describe('doctor: cache headers', () => {
  test('max-age in words, with Expires and Age', () => {
    assert.equal(summarizeCacheHeaders({ cacheControl: 'public, max-age=3600' }), 'Cache-Control: public, max-age=3600 (1 h)');
    assert.equal(summarizeCacheHeaders({ cacheControl: 'max-age=86400', age: '10' }), 'Cache-Control: max-age=86400 (1 d); Age: 10');
    assert.equal(summarizeCacheHeaders({ cacheControl: 'max-age=90' }), 'Cache-Control: max-age=90 (90 s)');
    assert.equal(summarizeCacheHeaders({ cacheControl: 'max-age=300' }), 'Cache-Control: max-age=300 (5 min)');
    assert.equal(summarizeCacheHeaders({ cacheControl: 'no-cache, max-age=0' }), 'Cache-Control: no-cache, max-age=0 (not to be cached)');
    assert.equal(summarizeCacheHeaders({ cacheControl: 's-maxage=60' }), 'Cache-Control: s-maxage=60', 's-maxage is not max-age');
    assert.equal(summarizeCacheHeaders({ expires: 'Thu, 01 Jan 2026 00:00:00 GMT' }), 'Expires: Thu, 01 Jan 2026 00:00:00 GMT');
  });

  test('none at all says so', () => {
    assert.match(summarizeCacheHeaders({}), /^no cache headers/);
  });
});

const ROLE: RoleFacts = { canSwitch: true, superuser: false, bypassRls: false };

function probeWith(roles: Record<string, RoleFacts>, me: Partial<DatabaseFacts> = {}): Probe {
  const facts: DatabaseFacts = {
    user: 'app_login',
    version: '18.1',
    versionNum: 180001,
    superuser: false,
    bypassRls: false,
    switchPrivilege: 'SET',
    roles: new Map(Object.entries(roles)),
    ...me,
  };
  return { ok: true, where: 'app_login@db:5432/app (from -c)', facts };
}

describe('doctor: roles', () => {
  const config = resolveConfig({ flags: { userPoolId: 'eu-west-1_AbC123', authenticatedRole: 'app_user', allowedRoles: 'app_user,app_admin' } }).config;
  const anon = { value: 'app_anonymous', source: '-r' };

  test('default, authenticated and allowed roles, each once with every purpose', () => {
    assert.deepEqual(rolesToCheck(anon, config), [
      { role: 'app_anonymous', purposes: ['default role, from -r'] },
      { role: 'app_user', purposes: ['authenticated role', 'allowed role'] },
      { role: 'app_admin', purposes: ['allowed role'] },
    ]);
    assert.deepEqual(rolesToCheck(null, null), [], 'no configuration, no default role: nothing to check');
  });

  test('missing, not granted, too powerful, fine', () => {
    const uses = rolesToCheck(anon, config);
    const checks = roleChecks(uses, probeWith({ app_anonymous: ROLE, app_user: { ...ROLE, canSwitch: false }, app_admin: { ...ROLE, bypassRls: true } }), anon);
    const byName = new Map(checks.map((c) => [c.name, c]));
    assert.equal(byName.get('role app_anonymous')!.status, 'pass');
    assert.equal(byName.get('role app_user')!.status, 'fail');
    assert.equal(byName.get('role app_user')!.hint, 'grant app_user to app_login with set true;');
    assert.equal(byName.get('role app_admin')!.status, 'warn');
    assert.match(byName.get('role app_admin')!.detail, /has BYPASSRLS/);
    assert.equal(byName.get('connecting role')!.status, 'pass');

    const missing = roleChecks(uses, probeWith({ app_anonymous: ROLE, app_user: ROLE }), anon).find((c) => c.name === 'role app_admin')!;
    assert.equal(missing.status, 'fail');
    assert.equal(missing.hint, 'create role app_admin nologin; grant app_admin to app_login;');
  });

  test('before PostgreSQL 16 the grant hint has no SET option', () => {
    const uses = [{ role: 'app_user', purposes: ['allowed role'] }];
    const [c] = roleChecks(uses, probeWith({ app_user: { ...ROLE, canSwitch: false } }, { switchPrivilege: 'MEMBER', versionNum: 150004 }), anon);
    assert.equal(c!.hint, 'grant app_user to app_login;');
  });

  test('a superuser or BYPASSRLS connecting role is a warning, not a failure', () => {
    for (const me of [{ superuser: true }, { bypassRls: true }]) {
      const checks = roleChecks([], probeWith({}, me), anon);
      const c = checks.find((x) => x.name === 'connecting role')!;
      assert.equal(c.status, 'warn');
      assert.match(c.detail, /row-level security does not apply/);
      assert.ok(allPassed(checks));
    }
  });

  test('no default role is a warning naming the connecting role', () => {
    const c = roleChecks([], probeWith({}), null).find((x) => x.name === 'default role')!;
    assert.equal(c.status, 'warn');
    assert.match(c.detail, /run as app_login itself/);
  });

  test('without a database every role check is skipped', () => {
    const probe: Probe = { ok: false, where: 'x', detail: 'connection refused', hint: 'h' };
    const checks = roleChecks(rolesToCheck(anon, config), probe, anon);
    assert.deepEqual(new Set(checks.map((c) => c.status)), new Set(['skip']));
  });

  test('role names are quoted as SQL needs', () => {
    assert.equal(quoteIdent('app_user'), 'app_user');
    assert.equal(quoteIdent('AppUser'), '"AppUser"');
    assert.equal(quoteIdent('my-role'), '"my-role"');
    assert.equal(quoteIdent('a"b'), '"a""b"');
  });
});

describe('doctor: database errors', () => {
  test('each common failure gets its own hint', () => {
    const of = (code: string, message = 'm') => describeDatabaseError(Object.assign(new Error(message), { code }));
    assert.equal(of('ECONNREFUSED').detail, 'connection refused');
    assert.match(of('28P01').hint, /password/);
    assert.match(of('3D000').hint, /create the database/);
    assert.match(of('28000').hint, /pg_hba\.conf/);
    assert.match(describeDatabaseError(new Error('Connection terminated due to connection timeout')).detail, /no answer within 5 s/);
  });
});

describe('doctor: report', () => {
  const checks = [
    check('configuration', 'pass', 'fine'),
    check('JWKS', 'warn', 'one key skipped', 'tokens signed with it are refused'),
    check('role x', 'fail', 'does not exist', 'create role x nologin;'),
    check('connecting role', 'skip', 'no database connection'),
  ];

  test('text: a word per line, the hint under failures and warnings, then a count', () => {
    assert.equal(
      formatText(checks),
      [
        'PASS  configuration: fine',
        'WARN  JWKS: one key skipped',
        '      hint: tokens signed with it are refused',
        'FAIL  role x: does not exist',
        '      hint: create role x nologin;',
        'SKIP  connecting role: no database connection',
        '',
        'not ok: 1 passed, 1 warning(s), 1 failed, 1 skipped',
        '',
      ].join('\n'),
    );
  });

  test('warnings alone pass; a failure does not', () => {
    assert.equal(allPassed(checks.slice(0, 2)), true);
    assert.equal(allPassed(checks), false);
    assert.match(formatText(checks.slice(0, 2)), /\nok: 1 passed, 1 warning\(s\), 0 failed, 0 skipped\n$/);
  });

  test('JSON: { ok, checks }, a hint only where there is one', () => {
    const parsed = JSON.parse(formatJson(checks)) as { ok: boolean; checks: Record<string, unknown>[] };
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.checks[0], { name: 'configuration', status: 'pass', detail: 'fine' });
    assert.equal(parsed.checks[2]!.hint, 'create role x nologin;');
  });
});
