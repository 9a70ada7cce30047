/** Shared key and token helpers for the unit tests (no network, no files). */
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
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
