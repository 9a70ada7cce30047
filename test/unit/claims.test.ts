import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { claimAtPath, claimsToSettings, decideRole, hasUnstorableText, REGISTERED_CLAIMS, settingNameForClaim, settingValue } from '../../src/claims';

/** A setting name PostgreSQL 14+ accepts: dot-separated simple identifiers. */
const VALID_SETTING = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** The same claims with keys inserted in reverse order. */
function reversed(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).reverse());
}

describe('settingNameForClaim', () => {
  const cases: [string, string][] = [
    ['sub', 'jwt.claims.sub'],
    ['cognito:groups', 'jwt.claims.cognito_groups'],
    ['cognito:username', 'jwt.claims.cognito_username'],
    ['custom:tenant_id', 'jwt.claims.custom_tenant_id'],
    ['email_verified', 'jwt.claims.email_verified'],
    ['x-y.z', 'jwt.claims.x_y_z'],
    ['a b', 'jwt.claims.a_b'],
    ['9lives', 'jwt.claims._9lives'],
    ['1', 'jwt.claims._1'],
    [':', 'jwt.claims._'],
    ['été', 'jwt.claims._t_'],
    ['CamelCase', 'jwt.claims.CamelCase'],
  ];
  for (const [claim, name] of cases) {
    test(`${JSON.stringify(claim)} -> ${name}`, () => {
      const result = settingNameForClaim(claim);
      assert.equal(result, name);
      assert.match(result!, VALID_SETTING);
    });
  }

  test('an empty name gives null', () => {
    assert.equal(settingNameForClaim(''), null);
  });
});

describe('settingValue', () => {
  test('strings as they are', () => {
    assert.equal(settingValue('abc'), 'abc');
    assert.equal(settingValue(''), '');
    assert.equal(settingValue('{"not":"parsed"}'), '{"not":"parsed"}');
  });

  test('numbers and booleans as text', () => {
    assert.equal(settingValue(1700000000), '1700000000');
    assert.equal(settingValue(0), '0');
    assert.equal(settingValue(1.5), '1.5');
    assert.equal(settingValue(true), 'true');
    assert.equal(settingValue(false), 'false');
  });

  test('arrays and objects as JSON', () => {
    assert.equal(settingValue(['admin', 'user']), '["admin","user"]');
    assert.equal(settingValue([]), '[]');
    assert.equal(settingValue({ a: 1, b: [true] }), '{"a":1,"b":[true]}');
  });

  test('null and undefined give null', () => {
    assert.equal(settingValue(null), null);
    assert.equal(settingValue(undefined), null);
  });
});

describe('claimsToSettings', () => {
  const idToken = {
    sub: 'aaaa-bbbb',
    'cognito:groups': ['app_admin', 'app_user'],
    'cognito:username': 'alice',
    email_verified: true,
    'custom:tenant_id': 't1',
    token_use: 'id',
    exp: 1700000000,
    address: { locality: 'Paris' },
  };

  test('every claim becomes a valid setting, and jwt.claims holds them all as JSON', () => {
    const settings = claimsToSettings(idToken);
    assert.deepEqual(settings, {
      'jwt.claims': JSON.stringify(idToken),
      'jwt.claims.sub': 'aaaa-bbbb',
      'jwt.claims.cognito_groups': '["app_admin","app_user"]',
      'jwt.claims.cognito_username': 'alice',
      'jwt.claims.email_verified': 'true',
      'jwt.claims.custom_tenant_id': 't1',
      'jwt.claims.token_use': 'id',
      'jwt.claims.exp': '1700000000',
      'jwt.claims.address': '{"locality":"Paris"}',
    });
    assert.deepEqual(JSON.parse(settings['jwt.claims']!), idToken);
    for (const name of Object.keys(settings)) assert.match(name, /^jwt\.claims(\.[A-Za-z_][A-Za-z0-9_]*)?$/);
  });

  test('null claims are skipped but stay in jwt.claims', () => {
    const settings = claimsToSettings({ sub: 's', nickname: null });
    assert.ok(!('jwt.claims.nickname' in settings));
    assert.deepEqual(JSON.parse(settings['jwt.claims']!), { sub: 's', nickname: null });
  });

  test('a claim with an empty name is skipped', () => {
    const settings = claimsToSettings({ '': 'x', sub: 's' });
    assert.deepEqual(Object.keys(settings).sort(), ['jwt.claims', 'jwt.claims.sub']);
  });

  test('an empty claim set gives only jwt.claims', () => {
    assert.deepEqual(claimsToSettings({}), { 'jwt.claims': '{}' });
  });

  const collisions: { name: string; claims: Record<string, unknown>; setting: string; value: string }[] = [
    { name: "'a:b' and 'a_b': the exact name wins", claims: { 'a:b': 'rewritten', a_b: 'exact' }, setting: 'jwt.claims.a_b', value: 'exact' },
    { name: "'A_b' and 'a:b': the exact name wins across case", claims: { 'a:b': 'rewritten', A_b: 'exact' }, setting: 'jwt.claims.A_b', value: 'exact' },
    { name: "'x:y' and 'x-y': the smaller claim name wins", claims: { 'x:y': 'colon', 'x-y': 'dash' }, setting: 'jwt.claims.x_y', value: 'dash' },
    { name: "'A_b' and 'a_b': both exact, the smaller claim name wins", claims: { a_b: 'lower', A_b: 'upper' }, setting: 'jwt.claims.A_b', value: 'upper' },
    { name: "'9x' and '_9x': the exact name wins", claims: { '9x': 'digit', _9x: 'exact' }, setting: 'jwt.claims._9x', value: 'exact' },
    {
      name: 'three-way collision with no exact name',
      claims: { 'p.q': 'dot', 'p:q': 'colon', 'p q': 'space' },
      setting: 'jwt.claims.p_q',
      value: 'space',
    },
  ];
  for (const { name, claims, setting, value } of collisions) {
    test(`collision ${name}, whatever the claim order`, () => {
      const forward = claimsToSettings(claims);
      const backward = claimsToSettings(reversed(claims));
      assert.notDeepEqual(Object.keys(claims), Object.keys(reversed(claims)));
      const perClaim = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'jwt.claims'));
      assert.deepEqual(perClaim(forward), { [setting]: value });
      assert.deepEqual(perClaim(backward), { [setting]: value });
    });
  }

  test('a null claim does not win a collision', () => {
    for (const claims of [{ a_b: null, 'a:b': 'value' }, { 'a:b': 'value', a_b: null }]) {
      const settings = claimsToSettings(claims);
      assert.equal(settings['jwt.claims.a_b'], 'value');
    }
  });

  test('the result never holds two names PostgreSQL would treat as one', () => {
    const claims = { Sub: 'S', sub: 's', SUB: 'X', 'su:b': 'y', 'cognito:groups': ['g'], Cognito_Groups: 'h' };
    for (const input of [claims, reversed(claims)]) {
      const names = Object.keys(claimsToSettings(input)).map((n) => n.toLowerCase());
      assert.equal(new Set(names).size, names.length, names.join(', '));
    }
    const { 'jwt.claims': _forwardJson, ...forward } = claimsToSettings(claims);
    const { 'jwt.claims': _backwardJson, ...backward } = claimsToSettings(reversed(claims));
    assert.deepEqual(forward, backward);
    // Registered claims keep their own settings: look-alikes (Sub, SUB, Cognito_Groups) never supply them.
    assert.deepEqual(forward, { 'jwt.claims.sub': 's', 'jwt.claims.su_b': 'y', 'jwt.claims.cognito_groups': '["g"]' });
  });

  test("a look-alike of a registered claim never supplies its setting, even when the real claim is absent", () => {
    for (const claims of [{ SUB: 'X' }, { Sub: 'X', Token_Use: 'id' }, { 'Cognito:Groups': ['app_admin'] }, { cognito_groups: 'app_admin' }, { 'COGNITO:USERNAME': 'mallory' }, { Client_ID: 'c' }]) {
      const settings = claimsToSettings(claims);
      assert.deepEqual(Object.keys(settings), ['jwt.claims'], JSON.stringify(claims));
      // The JSON still holds them as they are: only the per-claim names are reserved.
      assert.deepEqual(JSON.parse(settings['jwt.claims']!), claims);
    }
    for (const claim of REGISTERED_CLAIMS) {
      const settings = claimsToSettings({ [claim]: 'real', [claim.toUpperCase()]: 'fake', [claim.replace(/^./, (c) => c.toUpperCase())]: 'fake2' });
      const values = Object.entries(settings).filter(([name]) => name !== 'jwt.claims').map(([, value]) => value);
      assert.deepEqual(values, ['real'], claim);
    }
  });
});

describe('hasUnstorableText', () => {
  test('NUL anywhere, in a value or a name, at any depth, is unstorable', () => {
    for (const claims of [{ name: 'a\u0000b' }, { sub: '\u0000' }, { 'na\u0000me': 'x' }, { groups: ['ok', 'b\u0000d'] }, { deep: { deeper: [{ x: 'y\u0000' }] } }, { deep: { ['k\u0000']: 1 } }]) {
      assert.equal(hasUnstorableText(claims), true, JSON.stringify(claims));
    }
  });

  test('unpaired surrogates are unstorable; pairs (emoji) are fine', () => {
    assert.equal(hasUnstorableText({ name: '\ud800' }), true);
    assert.equal(hasUnstorableText({ name: 'x\udc00y' }), true);
    assert.equal(hasUnstorableText({ name: '\udc00\ud800' }), true);
    assert.equal(hasUnstorableText({ name: 'smile \ud83d\ude00', other: 'é ü 中文' }), false);
  });

  test('ordinary claims, numbers, booleans and null are storable', () => {
    assert.equal(hasUnstorableText({ sub: 'abc', exp: 1, email_verified: true, n: null, groups: ['a', 'b'], nested: { a: [1, 2] } }), false);
  });
});

describe('claimAtPath', () => {
  const claims = { 'cognito:groups': ['g1', 'g2'], a: { b: { c: 'deep' } }, s: 'str', n: null };

  test('follows object keys and array indexes', () => {
    assert.deepEqual(claimAtPath(claims, ['cognito:groups']), ['g1', 'g2']);
    assert.equal(claimAtPath(claims, ['cognito:groups', '1']), 'g2');
    assert.equal(claimAtPath(claims, ['a', 'b', 'c']), 'deep');
    assert.equal(claimAtPath(claims, []), claims);
  });

  test('missing paths give undefined', () => {
    assert.equal(claimAtPath(claims, ['nope']), undefined);
    assert.equal(claimAtPath(claims, ['cognito:groups', '5']), undefined);
    assert.equal(claimAtPath(claims, ['s', 'length']), undefined);
    assert.equal(claimAtPath(claims, ['n', 'x']), undefined);
    assert.equal(claimAtPath(claims, ['a', 'b', 'c', 'd']), undefined);
  });

  test('inherited properties are not followed', () => {
    assert.equal(claimAtPath(claims, ['toString']), undefined);
    assert.equal(claimAtPath(claims, ['__proto__']), undefined);
  });
});

describe('decideRole', () => {
  const groups = ['cognito:groups'];

  test("a string claim is the role, with the allow-list '*'", () => {
    assert.deepEqual(decideRole({ role: 'app_user' }, ['role'], '*'), { kind: 'role', role: 'app_user' });
  });

  test("an array claim gives its first entry with the allow-list '*'", () => {
    assert.deepEqual(decideRole({ 'cognito:groups': ['app_admin', 'app_user'] }, groups, '*'), { kind: 'role', role: 'app_admin' });
  });

  test('an empty allow-list (no choice made) allows no role: fails closed', () => {
    assert.equal(decideRole({ 'cognito:groups': ['app_admin'] }, groups, []).kind, 'refuse');
    assert.equal(decideRole({ role: 'app_user' }, ['role'], []).kind, 'refuse');
  });

  test('no role claim (none): no token chooses a role, whatever it carries', () => {
    assert.deepEqual(decideRole({ 'cognito:groups': ['app_admin'], role: 'postgres' }, null, '*'), { kind: 'none' });
  });

  test('non-string and empty entries are passed over', () => {
    assert.deepEqual(decideRole({ 'cognito:groups': [1, '', null, 'app_user'] }, groups, '*'), { kind: 'role', role: 'app_user' });
  });

  test('with an allow-list the first allowed entry wins', () => {
    const claims = { 'cognito:groups': ['other', 'app_user', 'app_admin'] };
    assert.deepEqual(decideRole(claims, groups, ['app_admin', 'app_user']), { kind: 'role', role: 'app_user' });
  });

  test('a nested path is followed', () => {
    assert.deepEqual(decideRole({ a: { b: ['x', 'y'] } }, ['a', 'b', '1'], '*'), { kind: 'role', role: 'y' });
  });

  test('none when the claim is absent, empty, or holds no strings', () => {
    for (const claims of [{}, { 'cognito:groups': [] }, { 'cognito:groups': '' }, { 'cognito:groups': [1, true, null] }, { 'cognito:groups': 5 }, { 'cognito:groups': { a: 'b' } }]) {
      assert.deepEqual(decideRole(claims, groups, '*'), { kind: 'none' }, JSON.stringify(claims));
      assert.deepEqual(decideRole(claims, groups, ['app_user']), { kind: 'none' }, JSON.stringify(claims));
    }
  });

  test('refuse when the claim names only disallowed roles', () => {
    const decision = decideRole({ 'cognito:groups': ['postgres', 'superuser'] }, groups, ['app_user']);
    assert.equal(decision.kind, 'refuse');
    assert.ok(decision.kind === 'refuse' && decision.reason.includes('cognito:groups'));
    assert.ok(decision.kind === 'refuse' && !decision.reason.includes('postgres'), 'the reason does not echo claim values');
    assert.equal(decideRole({ role: 'postgres' }, ['role'], ['app_user']).kind, 'refuse');
  });

  test('the allow-list is compared exactly (case-sensitive)', () => {
    assert.equal(decideRole({ role: 'APP_USER' }, ['role'], ['app_user']).kind, 'refuse');
  });
});

describe('decideRole: NONE is never a role', () => {
  test("with the allow-list '*', a claim naming none (any case) is refused: SET ROLE NONE would run as the connecting user", () => {
    for (const name of ['none', 'NONE', 'None']) {
      const decision = decideRole({ 'cognito:groups': [name, 'app_user'] }, ['cognito:groups'], '*');
      assert.equal(decision.kind, 'refuse', name);
    }
    assert.deepEqual(decideRole({ 'cognito:groups': ['app_user', 'none'] }, ['cognito:groups'], '*'), { kind: 'role', role: 'app_user' });
  });
});
