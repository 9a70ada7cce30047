import { createPublicKey, KeyObject } from 'node:crypto';
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

export interface UsableKey {
  readonly jwk: RsaJwk;
  /** node:crypto's own view of the key, used to verify signatures. */
  readonly keyObject: KeyObject;
  /** Its PEM, when a cached copy brought one (checked against keyObject). */
  readonly pem?: string;
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
 * verify RS256 Cognito tokens. Unfit keys are skipped with a reason; a
 * document with none left is a JwksError.
 */
export function validateJwks(doc: unknown, url: string): ValidatedJwks {
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
    const result = checkKey(raw);
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
    throw new JwksError(url, `no usable key (${skipped.join('; ')})`, 'a Cognito JWKS holds RSA keys with use "sig" and alg "RS256"');
  }
  return { keys: Object.freeze(keys), skipped: Object.freeze(skipped) };
}

/** A usable key, or the reason it is not one. */
function checkKey(raw: unknown): UsableKey | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const key = raw as Record<string, unknown>;
  if (key.kty !== 'RSA') return `kty is ${printable(JSON.stringify(key.kty) ?? 'undefined', 40)}, not "RSA"`;
  if (typeof key.kid !== 'string' || key.kid === '') return 'no kid';
  if (typeof key.n !== 'string' || !BASE64URL.test(key.n)) return 'no valid modulus n';
  if (typeof key.e !== 'string' || !BASE64URL.test(key.e)) return 'no valid exponent e';
  if (key.use !== undefined && key.use !== 'sig') return `use is ${printable(JSON.stringify(key.use) ?? 'undefined', 40)}, not "sig"`;
  if (key.alg !== undefined && key.alg !== 'RS256') return `alg is ${printable(JSON.stringify(key.alg) ?? 'undefined', 40)}, not "RS256"`;
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
