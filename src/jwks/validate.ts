import { createPublicKey, KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '../config/types';
import { JwksError } from '../errors';
import { printable } from '../printable';

/** An RSA signing key from a JWKS, as published. */
export interface RsaJwk {
  readonly kty: 'RSA';
  readonly kid: string;
  readonly n: string;
  readonly e: string;
  readonly alg?: string;
  readonly use?: string;
}

/** A P-256 signing key (ES256) from an OpenID issuer's JWKS, as published. */
export interface EcJwk {
  readonly kty: 'EC';
  readonly kid: string;
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly alg?: string;
  readonly use?: string;
}

export type SigningJwk = RsaJwk | EcJwk;

/** The one algorithm a key verifies: its kty decides (RSA: RS256, EC P-256: ES256), and a token's alg must equal it. */
export function algorithmOf(jwk: SigningJwk): SigningAlgorithm {
  return jwk.kty === 'RSA' ? 'RS256' : 'ES256';
}

export interface UsableKey {
  readonly jwk: SigningJwk;
  /** node:crypto's own view of the key, used to verify signatures. */
  readonly keyObject: KeyObject;
}

export interface ValidatedJwks {
  readonly keys: readonly UsableKey[];
  /** One line per key that was skipped, saying why. */
  readonly skipped: readonly string[];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MIN_MODULUS_BITS = 2048;

/**
 * Checks a JWKS document (already parsed JSON) and keeps the keys that can
 * verify tokens signed with one of `accept` (Cognito's: RS256 only). Unfit
 * keys are skipped with a reason; a document with none left is a JwksError.
 */
export function validateJwks(doc: unknown, url: string, accept: readonly SigningAlgorithm[] = ['RS256']): ValidatedJwks {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new JwksError(url, 'the document is not a JSON object', 'is this a JWKS URL? it should end in /.well-known/jwks.json');
  }
  const rawKeys = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(rawKeys)) {
    throw new JwksError(url, 'the document has no "keys" array');
  }
  if (rawKeys.length === 0) {
    throw new JwksError(url, 'the "keys" list is empty');
  }
  const keys: UsableKey[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  rawKeys.forEach((raw: unknown, index: number) => {
    const result = checkKey(raw, accept);
    const label = typeof (raw as { kid?: unknown })?.kid === 'string' ? `key "${printable((raw as { kid: string }).kid)}"` : `key #${index + 1}`;
    if (typeof result === 'string') {
      skipped.push(`${label}: ${result}`);
    } else if (seen.has(result.jwk.kid)) {
      skipped.push(`${label}: duplicate kid`);
    } else {
      seen.add(result.jwk.kid);
      keys.push(result);
    }
  });
  if (keys.length === 0) {
    throw new JwksError(
      url,
      `no usable key (${skipped.join('; ')})`,
      accept.includes('ES256') ? 'usable keys are RSA (RS256) or EC P-256 (ES256) keys with use "sig"' : 'a Cognito JWKS holds RSA keys with use "sig" and alg "RS256"',
    );
  }
  return { keys: Object.freeze(keys), skipped: Object.freeze(skipped) };
}

const quoted = (value: unknown) => printable(JSON.stringify(value) ?? 'undefined', 40);

/** A usable key, or the reason it is not one. */
function checkKey(raw: unknown, accept: readonly SigningAlgorithm[]): UsableKey | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const key = raw as Record<string, unknown>;
  const ec = accept.includes('ES256');
  if (key.kty === 'EC' && ec) return checkEcKey(key);
  if (key.kty !== 'RSA' || !accept.includes('RS256')) return `kty is ${quoted(key.kty)}, not ${ec ? '"RSA" or "EC"' : '"RSA"'}`;
  if (typeof key.kid !== 'string' || key.kid === '') return 'no kid';
  if (typeof key.n !== 'string' || !BASE64URL.test(key.n)) return 'no valid modulus n';
  if (typeof key.e !== 'string' || !BASE64URL.test(key.e)) return 'no valid exponent e';
  if (key.use !== undefined && key.use !== 'sig') return `use is ${quoted(key.use)}, not "sig"`;
  if (key.alg !== undefined && key.alg !== 'RS256') return `alg is ${quoted(key.alg)}, not "RS256"`;
  const jwk: RsaJwk = {
    kty: 'RSA',
    kid: key.kid,
    n: key.n,
    e: key.e,
    ...(typeof key.alg === 'string' ? { alg: key.alg } : {}),
    ...(typeof key.use === 'string' ? { use: key.use } : {}),
  };
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
  } catch {
    return 'not a valid RSA public key';
  }
  const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) return `RSA key of ${bits} bits is too short (minimum ${MIN_MODULUS_BITS})`;
  return { jwk: Object.freeze(jwk), keyObject };
}

/** An EC key: P-256 only (ES256), a valid point, use "sig" and alg "ES256" when stated. */
function checkEcKey(key: Record<string, unknown>): UsableKey | string {
  if (typeof key.kid !== 'string' || key.kid === '') return 'no kid';
  if (key.crv !== 'P-256') return `crv is ${quoted(key.crv)}, not "P-256" (ES256)`;
  if (typeof key.x !== 'string' || !BASE64URL.test(key.x) || typeof key.y !== 'string' || !BASE64URL.test(key.y)) return 'no valid point x, y';
  if (key.d !== undefined) return 'it holds a private key (d): refused, the issuer is leaking it';
  if (key.use !== undefined && key.use !== 'sig') return `use is ${quoted(key.use)}, not "sig"`;
  if (key.alg !== undefined && key.alg !== 'ES256') return `alg is ${quoted(key.alg)}, not "ES256"`;
  const jwk: EcJwk = {
    kty: 'EC',
    kid: key.kid,
    crv: 'P-256',
    x: key.x,
    y: key.y,
    ...(typeof key.alg === 'string' ? { alg: key.alg } : {}),
    ...(typeof key.use === 'string' ? { use: key.use } : {}),
  };
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
  } catch {
    return 'not a valid P-256 public key';
  }
  return { jwk: Object.freeze(jwk), keyObject };
}
