import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { pemOf, selectKeys } from '../../src/jwks';
import { decodeJwtHeader, kidOfToken } from '../../src/verify';
import { KeyNotFoundError, PostgraphileCognitoError, UsageError } from '../../src/errors';
import { UsableKey } from '../../src/jwks/validate';
import { b64url, jwksOf, makeKey, sharedKey, signToken, TestKey } from './helpers';

function nodePem(key: TestKey): string {
  const { kty, n, e } = key.jwk;
  return String(createPublicKey({ key: { kty, n, e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }));
}

const normalise = (pem: string): string => pem.replace(/\n+$/, '');

function expectError<T extends PostgraphileCognitoError>(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => T,
  exitCode: number,
  ...patterns: RegExp[]
): T {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  assert.equal(caught.exitCode, exitCode);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

describe('pemOf', () => {
  test('equals node:crypto\'s SPKI PEM for several generated keys', () => {
    const keys = [makeKey('a'), makeKey('b'), makeKey('c'), makeKey('d', { modulusLength: 3072 }), makeKey('e', { modulusLength: 4096 })];
    for (const key of keys) {
      const pem = pemOf(key.jwk);
      assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
      assert.equal(normalise(pem), normalise(nodePem(key)), key.kid);
    }
  });

  test('equals node:crypto\'s PEM for a key with public exponent 3', () => {
    const key = makeKey('e3', { publicExponent: 3 });
    assert.equal(key.jwk.e, 'Aw');
    assert.equal(normalise(pemOf(key.jwk)), normalise(nodePem(key)));
  });

  test('the PEM is usable as a public key that equals the original', () => {
    const key = sharedKey('k1');
    assert.ok(createPublicKey(pemOf(key.jwk)).equals(key.publicKey));
  });
});

describe('selectKeys', () => {
  const k1 = sharedKey('k1');
  const k2 = sharedKey('k2');
  const k3 = sharedKey('k3');
  const one = jwksOf(k1).keys;
  const three = jwksOf(k1, k2, k3).keys;
  const kids = (keys: readonly UsableKey[]) => keys.map((k) => k.jwk.kid);

  test('a single key is taken without a selector', () => {
    assert.deepEqual(kids(selectKeys(one, {})), ['k1']);
  });

  test('several keys without a selector is a UsageError listing every kid', () => {
    const error = expectError(() => selectKeys(three, {}), UsageError, 2, /3 keys/, /k1, k2, k3/);
    assert.match(error.hint ?? '', /--kid/);
  });

  test('--kid picks the key with that kid', () => {
    assert.deepEqual(kids(selectKeys(three, { kid: 'k2' })), ['k2']);
  });

  test('--kid not found is a KeyNotFoundError', () => {
    const error = expectError(() => selectKeys(three, { kid: 'nope' }), KeyNotFoundError, 2, /nope/);
    assert.match(error.hint ?? '', /k1, k2, k3/);
  });

  test("--for-token picks the key named by the token header's kid", () => {
    const token = signToken({ sub: 'user-1', token_use: 'access' }, k2);
    assert.deepEqual(kids(selectKeys(three, { tokenKid: kidOfToken(token) })), ['k2']);
    const other = signToken({ sub: 'user-1' }, k3);
    assert.deepEqual(kids(selectKeys(three, { tokenKid: kidOfToken(other) })), ['k3']);
  });

  test('--for-token with surrounding whitespace still works', () => {
    const token = signToken({ sub: 'user-1' }, k1);
    assert.deepEqual(kids(selectKeys(three, { tokenKid: kidOfToken(`  ${token}\n`) })), ['k1']);
  });

  test('--for-token whose kid is unknown is a KeyNotFoundError listing the pool kids', () => {
    const stranger = sharedKey('stranger');
    const token = signToken({ sub: 'user-1' }, stranger);
    expectError(() => selectKeys(three, { tokenKid: kidOfToken(token) }), KeyNotFoundError, 2, /stranger/, /k1, k2, k3/);
  });

  test("an unknown token kid with escape sequences is shown escaped, never raw", () => {
    const error = expectError(() => selectKeys(three, { tokenKid: '\u001b]0;owned\u0007\u001b[2J' }), KeyNotFoundError, 2, /\\u001b\]0;owned/);
    assert.doesNotMatch(error.message, /[\u0000-\u001f\u007f-\u009f]/);
  });

  test('kidOfToken of junk is null (pem --for-token then exits 2)', () => {
    for (const junk of ['junk', 'a.b.c', '....', '', `${b64url({ alg: 'RS256' })}.e30.sig`, `${b64url({ kid: 5 })}.e30.x`]) {
      assert.equal(kidOfToken(junk), null, JSON.stringify(junk));
    }
  });

  test('two selectors are a UsageError', () => {
    const token = signToken({ sub: 'x' }, k1);
    expectError(() => selectKeys(three, { kid: 'k1', all: true }), UsageError, 2, /only one/);
    expectError(() => selectKeys(three, { kid: 'k1', tokenKid: kidOfToken(token) }), UsageError, 2, /only one/);
    expectError(() => selectKeys(three, { tokenKid: kidOfToken(token), all: true }), UsageError, 2, /only one/);
  });

  test('--all returns every key', () => {
    assert.deepEqual(kids(selectKeys(three, { all: true })), ['k1', 'k2', 'k3']);
    assert.deepEqual(kids(selectKeys(one, { all: true })), ['k1']);
  });
});

describe('decodeJwtHeader and kidOfToken', () => {
  test('decodes the header of a real token', () => {
    const token = signToken({ sub: 'x' }, sharedKey('k1'));
    assert.deepEqual(decodeJwtHeader(token), { alg: 'RS256', typ: 'JWT', kid: 'k1' });
    assert.equal(kidOfToken(token), 'k1');
  });

  test('returns null for junk', () => {
    const junk = [
      '',
      'abc',
      'a.b',
      'a.b.c',
      '....',
      'a.b.c.d',
      '!!.e30.x',
      `${b64url('not json')}.e30.x`,
      `${b64url([1, 2])}.e30.x`,
      `${b64url('null')}.e30.x`,
      `${b64url('"text"')}.e30.x`,
      `${b64url('42')}.e30.x`,
    ];
    for (const token of junk) assert.equal(decodeJwtHeader(token), null, JSON.stringify(token));
  });

  test('kidOfToken is null for a header without a non-empty string kid', () => {
    assert.equal(kidOfToken(`${b64url({ alg: 'RS256', kid: '' })}.e30.x`), null);
    assert.equal(kidOfToken(`${b64url({ alg: 'RS256', kid: 7 })}.e30.x`), null);
    assert.equal(kidOfToken('junk'), null);
  });
});
