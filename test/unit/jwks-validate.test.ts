import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject } from 'node:crypto';
import { validateJwks } from '../../src/jwks/validate';
import { JwksError } from '../../src/errors';
import { makeKey, sharedKey } from './helpers';

const URL = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json';

function jwksError(fn: () => unknown, ...patterns: RegExp[]): JwksError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof JwksError, `expected a JwksError, got ${String(caught)}`);
  assert.equal(caught.exitCode, 3);
  assert.equal(caught.url, URL);
  assert.ok(caught.message.includes(URL), caught.message);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

describe('validateJwks', () => {
  const k1 = sharedKey('k1');
  const k2 = sharedKey('k2');

  test('keeps two good keys, in order, with key objects matching the JWK', () => {
    const result = validateJwks({ keys: [k1.jwk, k2.jwk] }, URL);
    assert.deepEqual(
      result.keys.map((k) => k.jwk.kid),
      ['k1', 'k2'],
    );
    assert.deepEqual(result.skipped, []);
    const [first, second] = result.keys;
    assert.ok(first && second);
    assert.ok(first.keyObject instanceof KeyObject);
    assert.equal(first.keyObject.type, 'public');
    assert.ok(first.keyObject.equals(k1.publicKey));
    assert.ok(second.keyObject.equals(k2.publicKey));
    assert.deepEqual(first.jwk, k1.jwk);
  });

  test('a key without alg and use is accepted', () => {
    const { kty, kid, n, e } = k1.jwk;
    const result = validateJwks({ keys: [{ kty, kid, n, e }] }, URL);
    assert.equal(result.keys.length, 1);
    assert.deepEqual(result.keys[0]!.jwk, { kty, kid, n, e });
  });

  test('the document must be a JSON object', () => {
    for (const doc of [null, 'keys', 42, [k1.jwk], undefined]) {
      jwksError(() => validateJwks(doc, URL), /not a JSON object/);
    }
  });

  test('the document must have a keys array', () => {
    jwksError(() => validateJwks({}, URL), /no "keys" array/);
    jwksError(() => validateJwks({ keys: k1.jwk }, URL), /no "keys" array/);
  });

  test('an empty keys list is a JwksError', () => {
    jwksError(() => validateJwks({ keys: [] }, URL), /empty/);
  });

  const unfit: [string, () => unknown, RegExp][] = [
    ['kty EC', () => ({ kty: 'EC', kid: 'bad', crv: 'P-256', x: 'AA', y: 'AA' }), /kty is "EC"/],
    ['use enc', () => ({ ...sharedKey('bad').jwk, use: 'enc' }), /use is "enc"/],
    ['alg RS512', () => ({ ...sharedKey('bad').jwk, alg: 'RS512' }), /alg is "RS512"/],
    ['missing kid', () => ({ ...sharedKey('bad').jwk, kid: undefined }), /no kid/],
    ['empty kid', () => ({ ...sharedKey('bad').jwk, kid: '' }), /no kid/],
    ['missing n', () => ({ ...sharedKey('bad').jwk, n: undefined }), /modulus/],
    ['n not base64url', () => ({ ...sharedKey('bad').jwk, n: 'ab+/==' }), /modulus/],
    ['missing e', () => ({ ...sharedKey('bad').jwk, e: undefined }), /exponent/],
    ['1024-bit key', () => makeKey('bad', { modulusLength: 1024 }).jwk, /1024 bits is too short/],
    ['not an object', () => 'k3', /not an object/],
    ['null entry', () => null, /not an object/],
  ];

  for (const [name, build, reason] of unfit) {
    test(`skips an unfit key (${name}) with a reason and keeps the good ones`, () => {
      const result = validateJwks({ keys: [k1.jwk, build(), k2.jwk] }, URL);
      assert.deepEqual(
        result.keys.map((k) => k.jwk.kid),
        ['k1', 'k2'],
      );
      assert.equal(result.skipped.length, 1);
      assert.match(result.skipped[0]!, reason);
    });
  }

  test('the skip reason names the kid, or the position when there is none', () => {
    const result = validateJwks({ keys: [k1.jwk, { ...k2.jwk, use: 'enc' }, { ...k2.jwk, kid: undefined }] }, URL);
    assert.match(result.skipped[0]!, /^key "k2": /);
    assert.match(result.skipped[1]!, /^key #3: /);
  });

  test('a duplicate kid is skipped; the first key with that kid stays', () => {
    const other = sharedKey('other');
    const result = validateJwks({ keys: [k1.jwk, { ...other.jwk, kid: 'k1' }, k2.jwk] }, URL);
    assert.deepEqual(
      result.keys.map((k) => k.jwk.kid),
      ['k1', 'k2'],
    );
    assert.ok(result.keys[0]!.keyObject.equals(k1.publicKey));
    assert.equal(result.skipped.length, 1);
    assert.match(result.skipped[0]!, /k1.*duplicate kid/);
  });

  test('a document where every key is unfit is a JwksError listing the reasons', () => {
    const error = jwksError(
      () =>
        validateJwks(
          {
            keys: [
              { ...k1.jwk, use: 'enc' },
              { ...k2.jwk, alg: 'RS512' },
              { kty: 'EC', kid: 'e1' },
            ],
          },
          URL,
        ),
      /no usable key/,
      /use is "enc"/,
      /alg is "RS512"/,
      /kty is "EC"/,
    );
    assert.match(error.hint ?? '', /RS256/);
  });

  test('the result is frozen', () => {
    const result = validateJwks({ keys: [k1.jwk] }, URL);
    assert.ok(Object.isFrozen(result.keys));
    assert.ok(Object.isFrozen(result.skipped));
    assert.ok(Object.isFrozen(result.keys[0]!.jwk));
  });
});
