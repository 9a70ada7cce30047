/** Shared key and token helpers for the unit tests (no network, no files). */
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { ConfigError } from '../../src/errors';
import { validateJwks, ValidatedJwks } from '../../src/jwks/validate';

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as a Cognito JWKS publishes it (kty, n, e, kid, alg, use). */
  jwk: { kty: 'RSA'; kid: string; n: string; e: string; alg: 'RS256'; use: 'sig' };
}

/** A fresh RSA key pair with the public half as a Cognito-style JWK. */
export function makeKey(kid: string, options: { modulusLength?: number; publicExponent?: number } = {}): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: options.modulusLength ?? 2048,
    ...(options.publicExponent !== undefined ? { publicExponent: options.publicExponent } : {}),
  });
  const exported = publicKey.export({ format: 'jwk' });
  if (typeof exported.n !== 'string' || typeof exported.e !== 'string') throw new Error('node did not export n/e');
  return { kid, privateKey, publicKey, jwk: { kty: 'RSA', kid, n: exported.n, e: exported.e, alg: 'RS256', use: 'sig' } };
}

const keyCache = new Map<string, TestKey>();

/** Like makeKey, but one key per kid for the whole test file (RSA generation is slow). */
export function sharedKey(kid: string): TestKey {
  let key = keyCache.get(kid);
  if (!key) {
    key = makeKey(kid);
    keyCache.set(kid, key);
  }
  return key;
}

export function jwksOf(...keys: TestKey[]): ValidatedJwks {
  return validateJwks({ keys: keys.map((k) => k.jwk) }, 'https://test.invalid/jwks.json');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** An RS256 token signed with `key`, whose header kid is `kid` (default: the key's own). */
export function signToken(payload: Record<string, unknown>, key: TestKey, kid: string = key.kid): string {
  return jwt.sign(payload, key.privateKey, { algorithm: 'RS256', keyid: kid });
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

export interface EcTestKey {
  kid: string;
  privateKey: KeyObject;
  /** The public JWK as an OpenID issuer publishes it (kty EC, crv P-256, x, y, kid, alg, use). */
  jwk: { kty: 'EC'; crv: 'P-256'; kid: string; x: string; y: string; alg: 'ES256'; use: 'sig' };
}

/** A P-256 key pair for ES256 tokens. */
export function makeEcKey(kid: string): EcTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string' || typeof y !== 'string') throw new Error('node did not export x/y');
  return { kid, privateKey, jwk: { kty: 'EC', crv: 'P-256', kid, x, y, alg: 'ES256', use: 'sig' } };
}

/** A token signed with `key` in `algorithm` (RS256 for an RSA key, ES256 for a P-256 one). */
export function signWith(payload: Record<string, unknown>, key: { kid: string; privateKey: KeyObject }, algorithm: jwt.Algorithm, kid: string = key.kid): string {
  return jwt.sign(payload, key.privateKey, { algorithm, keyid: kid });
}

/** Runs fn, asserts it throws a ConfigError with exit code 2 whose message (and hint) matches every pattern. */
export function configError(fn: () => unknown, ...patterns: RegExp[]): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.exitCode, 2);
  for (const pattern of patterns) assert.match(`${caught.message}\n${caught.hint ?? ''}`, pattern);
  return caught;
}
